"""Reference solutions, one module per notebook, plain numpy. They are the course's solution:
a test proves that each source notebook's solution cells agree with them."""
