"""Read and write Pabulib (.pb) files, the open format of pabulib.org that pabutools reads.

A file has three ``;``-separated sections::

    META            key;value lines (budget, vote_type, num_projects, num_votes, ...)
    PROJECTS        project_id;cost;... one line per project
    VOTES           voter_id;vote;... one line per voter (``points`` for scoring/cumulative)

The reader is tolerant of what real files contain: a UTF-8 byte-order mark, CRLF line ends, blank lines,
section names in any case, decimal budgets and costs (``969245.38`` or ``969245,38``), quoted fields with
``;`` inside, ``None`` for a missing value, optional columns in any order, trailing empty fields. A file
that is actually broken raises :class:`PabulibError` naming the line and the problem (never a bare
traceback): a missing section or column, a cost that is not a number or is negative, an unknown project
in a vote, points that do not match the votes, or counts that disagree with ``num_projects`` /
``num_votes`` (the usual sign of a truncated file).

Writing (:func:`dumps` / :func:`write`) produces a file that this reader and pabutools'
``parse_pabulib`` read back to the same election; ``loads(dumps(pb)) == pb``.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

from voting.rules.election import Election, Number, Tally, _raw_key, tally_from_counts

VOTE_TYPES = {
    "approval": "approval",
    "choose-1": "approval",
    "scoring": "scores",
    "cumulative": "cumulative",
    "ordinal": "ranking",
}
KIND_TO_VOTE_TYPE = {"approval": "approval", "scores": "scoring", "cumulative": "cumulative", "ranking": "ordinal"}


class PabulibError(ValueError):
    """A Pabulib file that cannot be read; ``str()`` is a one-line message with the line number."""

    def __init__(self, line: int | None, problem: str, source: str = "") -> None:
        self.line = line
        self.problem = problem
        self.source = source
        where = f"{source}: " if source else ""
        at = f"line {line}: " if line else ""
        super().__init__(f"{where}{at}{problem}")


@dataclass
class PabulibFile:
    """A Pabulib election, close to the file: every cell kept as text, plus parsed views.

    ``votes`` holds one list of cells per voter, aligned with ``vote_columns`` (kept as text so that
    writing the file back reproduces every column).
    """

    meta: dict[str, str]
    project_columns: list[str]
    projects: dict[str, dict[str, str]]  # project id -> column -> text (includes project_id and cost)
    vote_columns: list[str]
    votes: list[list[str]] = field(default_factory=list)
    _parsed: dict = field(default_factory=dict, repr=False, compare=False)

    # -- parsed views --------------------------------------------------------------------------------
    @property
    def vote_type(self) -> str:
        return self.meta.get("vote_type", "approval").strip().lower()

    @property
    def kind(self) -> str:
        return VOTE_TYPES[self.vote_type]

    @property
    def budget(self) -> Number:
        return parse_number(self.meta["budget"])

    @property
    def costs(self) -> dict[str, Number]:
        return {pid: parse_number(row["cost"]) for pid, row in self.projects.items()}

    def vote_records(self) -> list[dict[str, str]]:
        """Each vote as column -> text (missing and ``None`` cells left out)."""
        cols = self.vote_columns
        return [{c: _none(v) for c, v in zip(cols, row, strict=False) if _none(v)} for row in self.votes]

    def _keys(self) -> list[tuple[str, str]]:
        keys = self._parsed.get(None)
        if keys is None or len(keys) != len(self.votes):
            keys = self._parsed[None] = self._compute_keys()
        return keys

    def _compute_keys(self) -> list[tuple[str, str]]:
        cols = self.vote_columns
        vi = cols.index("vote")
        pi = cols.index("points") if "points" in cols else None
        n_v = vi + 1
        if pi is None:
            return [(row[vi] if len(row) >= n_v else "", "") for row in self.votes]
        n_p = pi + 1
        return [(row[vi] if len(row) >= n_v else "", row[pi] if len(row) >= n_p else "") for row in self.votes]

    def _ballot(self, key: tuple[str, str]):
        ballot = self._parsed.get(key)
        if ballot is None:
            vote, points = key
            ids = tuple(split_ids(_none(vote)))
            if self.kind in ("approval", "ranking"):
                ballot = ids
            else:
                values = [parse_number(x) for x in split_ids(_none(points))] if ids else []
                ballot = dict(zip(ids, values, strict=True))
            self._parsed[key] = ballot
        return ballot

    def ballots(self) -> list:
        parse = self._ballot
        return [parse(key) for key in self._keys()]

    def election(self) -> Election:
        return Election(budget=self.budget, projects=self.costs, kind=self.kind, ballots=self.ballots())

    def tally(self) -> Tally:
        """The grouped tally straight from the file (faster than ``tally(self.election())``)."""
        election = Election(budget=self.budget, projects=self.costs, kind=self.kind, ballots=[])
        raw: Counter = Counter()
        for key, weight in Counter(self._keys()).items():
            raw[_raw_key(election.kind, self._ballot(key))] += weight
        return tally_from_counts(election, raw)

    @property
    def real_selected(self) -> set[str] | None:
        """Projects marked as funded in the ``selected`` column, if the file has one."""
        if "selected" not in self.project_columns:
            return None
        return {pid for pid, row in self.projects.items() if row.get("selected", "").strip() == "1"}


def _none(text: str) -> str:
    text = text.strip()
    return "" if text.lower() == "none" else text


def parse_number(text: str) -> Number:
    value = Fraction(text.strip().replace(",", "."))
    return int(value) if value.denominator == 1 else value


def split_ids(text: str) -> list[str]:
    return [x.strip() for x in text.split(",") if x.strip()] if text else []


def _number_or_error(text: str, what: str, line: int, source: str) -> Number:
    try:
        return parse_number(text)
    except (ValueError, ZeroDivisionError):
        raise PabulibError(line, f"{what} is not a number: {text!r}", source) from None


def loads(text: str, source: str = "") -> PabulibFile:
    """Parse the text of a Pabulib file."""
    if text.startswith("\ufeff"):
        text = text[1:]
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=";")
    meta: dict[str, str] = {}
    project_columns: list[str] = []
    projects: dict[str, dict[str, str]] = {}
    vote_columns: list[str] = []
    votes: list[list[str]] = []
    section = None
    header: list[str] | None = None
    seen_sections: dict[str, int] = {}
    project_ids_line: dict[str, int] = {}
    vote_lines: list[int] = []
    try:
        for row in reader:
            line = reader.line_num
            if not row or (not row[0].strip() and all(not cell.strip() for cell in row)):
                continue
            first = row[0].strip().lower() if len(row[0]) < 12 else ""
            if first in ("meta", "projects", "votes") and all(not c.strip() for c in row[1:]):
                if first in seen_sections:
                    raise PabulibError(line, f"section {first.upper()} appears twice", source)
                section = first
                seen_sections[first] = line
                header = None
                continue
            if section is None:
                raise PabulibError(line, "expected the META section first", source)
            if header is None:
                header = [c.strip() for c in row]
                while header and not header[-1]:
                    header.pop()
                if section == "projects":
                    if "project_id" not in header or "cost" not in header:
                        raise PabulibError(line, "the PROJECTS header needs project_id and cost columns", source)
                    project_columns = header
                elif section == "votes":
                    if "vote" not in header:
                        raise PabulibError(line, "the VOTES header needs a vote column", source)
                    vote_columns = header
                continue
            if section == "votes":
                if len(row) > len(header):
                    if any(c.strip() for c in row[len(header) :]):
                        raise PabulibError(line, f"{len(row)} fields but the VOTES header has {len(header)}", source)
                    row = row[: len(header)]
                votes.append(row)
                vote_lines.append(line)
                continue
            cells = [c.strip() for c in row]
            if len(cells) > len(header):
                if any(cells[len(header) :]):
                    raise PabulibError(
                        line, f"{len(cells)} fields but the {section.upper()} header has {len(header)}", source
                    )
                cells = cells[: len(header)]
            if section == "meta":
                if len(cells) < 2:
                    raise PabulibError(line, f"META line needs key;value, got {';'.join(row)!r}", source)
                meta[cells[0]] = cells[1]
                continue
            record = {}
            for col, cell in zip(header, cells, strict=False):
                if cell and cell.lower() != "none":
                    record[col] = cell
            if section == "projects":
                pid = record.get("project_id")
                if not pid:
                    raise PabulibError(line, "project without a project_id", source)
                if pid in projects:
                    raise PabulibError(line, f"project {pid} is listed twice", source)
                if "cost" not in record:
                    raise PabulibError(line, f"project {pid} has no cost", source)
                cost = _number_or_error(record["cost"], f"the cost of project {pid}", line, source)
                if cost < 0:
                    raise PabulibError(line, f"project {pid} has a negative cost ({record['cost']})", source)
                projects[pid] = record
                project_ids_line[pid] = line
    except csv.Error as exc:
        raise PabulibError(reader.line_num, f"unreadable line ({exc})", source) from None
    for name in ("meta", "projects", "votes"):
        if name not in seen_sections:
            last = reader.line_num or 1
            raise PabulibError(last, f"the {name.upper()} section is missing (truncated file?)", source)
    meta_line = seen_sections["meta"]
    if "budget" not in meta:
        raise PabulibError(meta_line, "META has no budget", source)
    budget = _number_or_error(meta["budget"], "the budget", meta_line, source)
    if budget < 0:
        raise PabulibError(meta_line, f"the budget is negative ({meta['budget']})", source)
    vote_type = meta.get("vote_type", "approval").strip().lower()
    if vote_type not in VOTE_TYPES:
        raise PabulibError(meta_line, f"unknown vote_type {meta.get('vote_type')!r}", source)
    pb = PabulibFile(meta, project_columns, projects, vote_columns, votes)
    _check_counts(pb, seen_sections, source)
    _check_votes(pb, vote_lines, source)
    return pb


def _check_counts(pb: PabulibFile, sections: dict[str, int], source: str) -> None:
    for key, actual, section in (
        ("num_projects", len(pb.projects), "projects"),
        ("num_votes", len(pb.votes), "votes"),
    ):
        if key in pb.meta:
            try:
                expected = int(pb.meta[key])
            except ValueError:
                raise PabulibError(sections["meta"], f"{key} is not a whole number: {pb.meta[key]!r}", source) from None
            if expected != actual:
                raise PabulibError(
                    sections[section],
                    f"META says {key} = {expected} but the {section.upper()} section has {actual} "
                    "(truncated or edited file?)",
                    source,
                )


def _check_votes(pb: PabulibFile, lines: list[int], source: str) -> None:
    """Validate every distinct (vote, points) text once; errors name the first line using it."""
    kind = pb.kind
    projects = pb.projects
    first_line: dict[tuple[str, str], int] = {}
    for key, line in zip(pb._keys(), lines, strict=True):
        if key not in first_line:
            first_line[key] = line
    for key, line in first_line.items():
        vote, points_text = key
        ids = split_ids(_none(vote))
        for pid in ids:
            if pid not in projects:
                raise PabulibError(line, f"vote for unknown project {pid!r}", source)
        if kind == "ranking" and len(set(ids)) != len(ids):
            raise PabulibError(line, "a project is ranked twice", source)
        if kind in ("scores", "cumulative"):
            points = split_ids(_none(points_text))
            if ids and len(points) != len(ids):
                raise PabulibError(line, f"{len(ids)} projects but {len(points)} points", source)
            if len(set(ids)) != len(ids):
                raise PabulibError(line, "a project gets points twice", source)
            for x in points:
                _number_or_error(x, "points", line, source)
        pb._ballot(key)


def read(path: str | Path) -> PabulibFile:
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise PabulibError(None, f"cannot read the file ({exc.strerror})", str(path)) from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise PabulibError(line, "not UTF-8 text", str(path)) from None
    return loads(text, source=str(path))


# -- writing ---------------------------------------------------------------------------------------------


def format_number(x: Number) -> str:
    x = Fraction(x)
    if x.denominator == 1:
        return str(x.numerator)
    # a terminating decimal when possible (Pabulib budgets are decimal); else an exact fraction
    d = x.denominator
    for p in (2, 5):
        while d % p == 0:
            d //= p
    if d != 1:
        return f"{x.numerator}/{x.denominator}"
    digits = 0
    while (x * 10**digits).denominator != 1:
        digits += 1
    sign = "-" if x < 0 else ""
    scaled = abs(x.numerator * 10**digits // x.denominator)
    s = str(scaled).rjust(digits + 1, "0")
    return f"{sign}{s[:-digits]}.{s[-digits:]}"


def dumps(pb: PabulibFile) -> str:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    out.write("META\n")
    writer.writerow(["key", "value"])
    for key, value in pb.meta.items():
        writer.writerow([key, value])
    out.write("PROJECTS\n")
    writer.writerow(pb.project_columns)
    for row in pb.projects.values():
        writer.writerow([row.get(col, "None") for col in pb.project_columns])
    out.write("VOTES\n")
    writer.writerow(pb.vote_columns)
    for row in pb.votes:
        writer.writerow(row)
    return out.getvalue()


def write(pb: PabulibFile, path: str | Path) -> None:
    Path(path).write_text(dumps(pb), encoding="utf-8")


def from_election(
    election: Election,
    meta: dict[str, str] | None = None,
    project_info: dict[str, dict[str, str]] | None = None,
    voter_ids: list[str] | None = None,
) -> PabulibFile:
    """Build a Pabulib file for a round (what the web app exports so anyone can recount it).

    ``meta`` adds or overrides META keys (description, country, unit, instance, currency, rule, ...);
    ``project_info`` adds project columns (name, category, ...); ``voter_ids`` defaults to 1..n.
    """
    kind = election.kind
    full_meta = {
        "description": "Common Purse round",
        "country": "",
        "unit": "",
        "instance": "",
        "num_projects": str(len(election.projects)),
        "num_votes": str(len(election.ballots)),
        "budget": format_number(election.budget),
        "vote_type": KIND_TO_VOTE_TYPE[kind],
        "rule": "greedy",
    }
    full_meta.update(meta or {})
    full_meta["num_projects"] = str(len(election.projects))
    full_meta["num_votes"] = str(len(election.ballots))
    full_meta["vote_type"] = KIND_TO_VOTE_TYPE[kind]
    project_columns = ["project_id", "cost"]
    projects: dict[str, dict[str, str]] = {}
    for pid, cost in election.projects.items():
        row = {"project_id": pid, "cost": format_number(cost)}
        for col, value in (project_info or {}).get(pid, {}).items():
            if col not in project_columns:
                project_columns.append(col)
            row[col] = str(value)
        projects[pid] = row
    vote_columns = ["voter_id", "vote"] + (["points"] if kind in ("scores", "cumulative") else [])
    votes = []
    for n, ballot in enumerate(election.ballots):
        vid = voter_ids[n] if voter_ids else str(n + 1)
        if kind == "approval":
            ids = sorted(ballot) if isinstance(ballot, (set, frozenset)) else list(ballot)
            votes.append({"voter_id": vid, "vote": ",".join(ids)})
        elif kind == "ranking":
            votes.append({"voter_id": vid, "vote": ",".join(ballot)})
        else:
            items = [(pid, pts) for pid, pts in ballot.items()]
            votes.append(
                {
                    "voter_id": vid,
                    "vote": ",".join(pid for pid, _ in items),
                    "points": ",".join(format_number(pts) for _, pts in items),
                }
            )
    rows = []
    for row in votes:
        if not row["vote"] and "points" in row:
            row["points"] = "None"
        rows.append([row[col] for col in vote_columns])
    return PabulibFile(full_meta, project_columns, projects, vote_columns, rows)
