"""Without torch, synthwise still imports and lists generators; asking for a deep one names the extra."""

from __future__ import annotations

import subprocess
import sys
import textwrap


def test_deep_generators_without_torch_name_the_extra() -> None:
    code = textwrap.dedent(
        """
        import sys
        sys.modules["torch"] = None  # simulate a missing torch
        import synthwise
        from synthwise.errors import MissingDependencyError
        from synthwise.generators import get, info
        assert "torch" not in [m for m in sys.modules if sys.modules[m] is not None]
        for name in ("tvae", "ctgan", "diffusion"):
            try:
                get(name)
            except MissingDependencyError as exc:
                assert exc.extra == "deep", exc.extra
                assert 'pip install "synthwise[deep]"' in str(exc), str(exc)
            else:
                raise AssertionError(name + " imported without torch")
            assert info(name).available is False and info(name).extra == "deep"
        print("ok")
        """
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"


def test_listing_generators_does_not_import_torch() -> None:
    code = (
        "import sys, synthwise; from synthwise.generators import names; names(); "
        "print('torch' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "False"
