"""Reading #SBATCH directives like sbatch, and filling in its output filename patterns."""

from __future__ import annotations

import pytest

from hpc_jupyter.backends.directives import expand_filename_pattern, parse_sbatch_directives
from hpc_jupyter.errors import ValidationError


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("#SBATCH --job-name=analysis", {"job-name": "analysis"}),
        ("#SBATCH --job-name analysis", {"job-name": "analysis"}),
        ("#SBATCH -J analysis", {"job-name": "analysis"}),
        ("#SBATCH -Janalysis", {"job-name": "analysis"}),
        ("#SBATCH -J=analysis", {"job-name": "analysis"}),
        ("#SBATCH --time=1:00:00", {"time": "1:00:00"}),
        ("#SBATCH -t 30", {"time": "30"}),
        ("#SBATCH -N 1", {"nodes": "1"}),
        ("#SBATCH -o out-%j.txt", {"output": "out-%j.txt"}),
        ("#SBATCH -e err-%j.txt", {"error": "err-%j.txt"}),
        ("#SBATCH -D sub", {"chdir": "sub"}),
        ("#SBATCH -p debug -A proj42", {"partition": "debug", "account": "proj42"}),
        ("#SBATCH --exclusive", {"exclusive": ""}),
        ("#SBATCH --exclusive --nodes=1", {"exclusive": "", "nodes": "1"}),
        ('#SBATCH --job-name="two words"', {"job-name": "two words"}),
        ("#SBATCH --job-name='two words'", {"job-name": "two words"}),
        ("#SBATCH --job-name=run # a comment", {"job-name": "run"}),
        ("#SBATCH -J run    # a comment, with -J other", {"job-name": "run"}),
        ("   #SBATCH --job-name=indented", {"job-name": "indented"}),
        ("#SBATCH", {}),
    ],
)
def test_directive_forms(line: str, expected: dict[str, str]) -> None:
    assert parse_sbatch_directives(f"#!/bin/bash\n{line}\necho hi\n") == expected


def test_a_shebang_is_skipped_and_comments_and_blanks_do_not_stop_reading() -> None:
    script = (
        "#!/bin/bash -l\n"
        "\n"
        "# set up the job\n"
        "#SBATCH --job-name=first\n"
        "\n"
        "## SBATCH --time=5   (commented out, as sbatch users do)\n"
        "#SBATCH --time=10\n"
        "module load python\n"
    )
    assert parse_sbatch_directives(script) == {"job-name": "first", "time": "10"}


def test_reading_stops_at_the_first_command() -> None:
    script = "#SBATCH -J early\necho start\n#SBATCH -J late\n#SBATCH --time=5\n"
    assert parse_sbatch_directives(script) == {"job-name": "early"}


def test_later_directives_win() -> None:
    script = "#SBATCH --job-name=one\n#SBATCH -J two\n#SBATCH --time=1 --time=2\n"
    assert parse_sbatch_directives(script) == {"job-name": "two", "time": "2"}


def test_a_script_without_directives_has_none() -> None:
    assert parse_sbatch_directives("echo hello\n") == {}
    assert parse_sbatch_directives("#!/bin/sh\n") == {}
    assert parse_sbatch_directives("") == {}


def test_sbatch_is_only_a_directive_at_the_start_of_a_comment() -> None:
    script = "# see #SBATCH --time=5 below\n#SBATCHX --time=9\n#SBATCH -J real\n"
    # `#SBATCHX` is read by prefix, as the text after `#SBATCH`; it must not be silently taken
    with pytest.raises(ValidationError):
        parse_sbatch_directives(script)
    assert parse_sbatch_directives("# see #SBATCH --time=5 below\n#SBATCH -J real\n") == {
        "job-name": "real"
    }


def test_a_shebang_only_counts_on_the_first_line() -> None:
    # a `#!` line further down is just a comment, so reading goes on past it
    assert parse_sbatch_directives("# hi\n#!/bin/bash\n#SBATCH -J x\n") == {"job-name": "x"}


@pytest.mark.parametrize(
    ("line", "words"),
    [
        ("#SBATCH --job-name='unclosed", "Line 2"),
        ('#SBATCH --job-name="unclosed', "bad #SBATCH line"),
        ("#SBATCH -J", "needs a value"),
        ("#SBATCH -x node1", "cannot read #SBATCH option '-x'"),
        ("#SBATCH stray", "cannot read #SBATCH option 'stray'"),
    ],
)
def test_unreadable_directives_are_validation_errors(line: str, words: str) -> None:
    with pytest.raises(ValidationError) as info:
        parse_sbatch_directives(f"#!/bin/bash\n{line}\n")
    assert words in info.value.message


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ("slurm-%j.out", "slurm-42.out"),
        ("%x-%j.log", "train-42.log"),
        ("%u/%A.out", "alice/42.out"),
        ("100%%-%J", "100%-42"),
        ("plain.txt", "plain.txt"),
        ("trailing%", "trailing%"),
        ("%q-unknown", "%q-unknown"),
    ],
)
def test_filename_patterns(pattern: str, expected: str) -> None:
    assert expand_filename_pattern(pattern, "42", "train", "alice") == expected
