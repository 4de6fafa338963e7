"""The finder of the cells that draw a figure (tests/figures.py), on a small notebook of its own. That every
figure of the instructor notebooks is drawn is checked on their shared execution, in test_notebooks.py."""

import nbformat
from figures import figure_cells


def test_figure_cells_are_found_in_the_code():
    """The finder sees figures drawn at a cell's top level and through the notebook's own functions, and
    not a cell that only defines a drawing function."""
    nb = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_code_cell("import matplotlib.pyplot as plt\nx = 1"),
            nbformat.v4.new_code_cell("def draw(v):\n    fig, ax = plt.subplots()\n    ax.plot([v])\n    plt.show()"),
            nbformat.v4.new_code_cell("def twice(v):\n    draw(v)\n    draw(v)"),
            nbformat.v4.new_code_cell("twice(2)"),
            nbformat.v4.new_code_cell("for k in range(2):\n    plt.figure()\n    plt.plot([k])"),
            nbformat.v4.new_markdown_cell("plt.show()"),
            nbformat.v4.new_code_cell("print('plt.show()')"),
        ]
    )
    assert figure_cells(nb) == [3, 4]
