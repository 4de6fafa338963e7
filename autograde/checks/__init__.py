"""Hidden-test checks, one module per notebook: ``check_<function>(student_fn, seed) -> Verdict``."""
