"""Progress bars: on stderr in a terminal, one line updated in place in a notebook."""

import IPython.display

from bgcut import progress


def test_bar_on_stderr_ends_at_the_total(capsys):
    with progress.bar(3, desc="demo") as bar:
        for _ in range(3):
            bar.update()
    err = capsys.readouterr().err
    assert "demo" in err and "3/3" in err


def test_disabled_bar_prints_nothing(capsys):
    with progress.bar(3, disable=True) as bar:
        bar.update(3)
    assert capsys.readouterr().err == ""


class _Handle:
    def __init__(self):
        self.shown = []

    def update(self, data, raw):
        self.shown.append(data["text/plain"])


def test_notebook_bar_keeps_only_its_last_state(monkeypatch):
    handle = _Handle()
    monkeypatch.setattr(IPython.display, "display", lambda *args, **kwargs: handle)
    monkeypatch.setattr(progress, "_in_notebook", lambda: True)
    with progress.bar(4, desc="demo") as bar:
        for _ in range(4):
            bar.update()
    assert handle.shown, "the bar never drew"
    assert "4/4" in handle.shown[-1] and "0/4" in handle.shown[0]
    assert all("\r" not in line and "\n" not in line for line in handle.shown)


def test_outside_a_kernel_is_not_a_notebook():
    assert not progress._in_notebook()
