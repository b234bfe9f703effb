"""Stack files: the one place they are read (in the working tree and at a git ref), the pair of colours
they describe, and the one edit `shift` makes to them.

The edit replaces the characters of the `eks-bluegreen:trafficWeight` value and nothing else, so every
comment, blank line and indentation stays byte for byte; the result is re-read and compared with the
original before it replaces the file.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from collections.abc import Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bluegreen.exits import BluegreenError, ExitStatus
from bluegreen.git import GitError, git
from bluegreen.route53.records import ColorExpectation, Expected
from bluegreen.settings import COLORS, PROJECT, Settings, SettingsError, parse, parse_weight, project_config
from bluegreen.weights import CommittedSplit, StackTraffic

if TYPE_CHECKING:
    from ruamel.yaml.nodes import Node

WEIGHT_KEY = f"{PROJECT}:trafficWeight"
_STACK_FILE_NAME = re.compile(r"Pulumi\.(?P<stack>[^/]+)\.yaml")


class EditError(BluegreenError):
    """The weight could not be changed without touching anything else; the file was left as it was."""


class StackFilesError(BluegreenError):
    """The stack files cannot be used: unreadable or invalid (USAGE), or inconsistent (`disagree`: PROBLEM)."""

    def __init__(self, message: str, disagree: bool = False):
        super().__init__(message, ExitStatus.PROBLEM if disagree else ExitStatus.USAGE)
        self.disagree = disagree


def stack_file(project_dir: Path, stack: str) -> Path:
    return project_dir / f"Pulumi.{stack}.yaml"


def stack_of(file_name: str) -> str | None:
    """The stack a file name belongs to (`Pulumi.blue.yaml` -> blue), or None if it is not a stack file."""
    match = _STACK_FILE_NAME.fullmatch(file_name)
    return match["stack"] if match else None


def stack_names(project_dir: Path) -> list[str]:
    """Stacks that have a file in the project, e.g. ["blue", "green"]."""
    return sorted(stack for p in project_dir.glob("Pulumi.*.yaml") if (stack := stack_of(p.name)))


class StackFileDamaged(BluegreenError):
    """A stack file that is not readable YAML text, or not a map with a `config:` map: `file:line: problem`."""

    def __init__(self, source: str, line: int, problem: str):
        super().__init__(f"{source}:{line}: {problem}")


def load_stack_config(path: Path, source: str = "") -> dict[str, Any]:
    """The `config:` map of a stack file with every namespace kept (e.g. aws:region); see `config_from_text`."""
    source = source or path.name
    data = path.read_bytes()
    try:
        text = data.decode()
    except UnicodeDecodeError as err:
        line = data[: err.start].count(b"\n") + 1
        raise StackFileDamaged(
            source, line, f"not UTF-8 text (byte 0x{data[err.start]:02x}); save it as UTF-8"
        ) from err
    return config_from_text(text, source)


def _line_at(text: str, index: int) -> int:
    return text.count("\n", 0, index) + 1


def config_from_text(text: str, source: str = "the stack file") -> dict[str, Any]:
    """The `config:` map of a stack file's text: each setting's value as the Pulumi CLI hands it to the program.

    The CLI reads a setting that is a plain scalar as its text in the file (its config.Value unmarshals
    into a Go string first, and yaml.v3 sets a string to the scalar's text: pulumi/pulumi
    sdk/go/common/resource/config/value.go), so the program sees `0x10` or `+5` where YAML reads 16 or 5,
    `1.30` where YAML reads 1.3, and `True` where YAML reads true. Plain numbers and booleans are kept as
    written here too, so that every offline reader applies exactly the program's rules (settings.parse,
    settings.parse_weight) with the same messages; lists and maps stay as YAML typed them. The one
    reader of stack files for the commands and deploy_order. Text that is not YAML, or not shaped like a
    stack file, is a StackFileDamaged naming `source` and the line.
    """
    from ruamel.yaml import YAML  # imported here: only the file-reading commands need it
    from ruamel.yaml.error import MarkedYAMLError, YAMLError
    from ruamel.yaml.nodes import MappingNode, ScalarNode

    # A byte-order mark is allowed only as the first character; anywhere else it becomes part of a key
    # (`\ufeffeks-bluegreen:color`), which would then read as a missing setting.
    if (stray := text.find("\ufeff", 1)) > 0:
        raise StackFileDamaged(source, _line_at(text, stray), "a byte-order mark (U+FEFF) inside the file; delete it")
    yaml = YAML(typ="safe", pure=True)
    try:
        root = yaml.compose(text)  # composed once: the nodes keep the text, the constructed values the types
        document = yaml.constructor.construct_document(root) if root is not None else None
    except MarkedYAMLError as err:
        # ruamel's own message spans a dozen lines; the problem and its line are what a reader needs.
        mark = err.problem_mark or err.context_mark
        line = mark.line + 1 if mark else 1
        if mark and str(err.problem).startswith("found undefined alias"):
            raise StackFileDamaged(source, line, _alias_problem(text, mark.line, mark.column)) from err
        raise StackFileDamaged(source, line, f"not valid YAML: {err.problem}") from err
    except YAMLError as err:  # the reader's: a control character, with only an index into the text
        position = getattr(err, "position", 0)
        raise StackFileDamaged(source, _line_at(text, position), f"not valid YAML: {str(err).splitlines()[0]}") from err
    if document is None:
        return {}
    config = document.get("config") if isinstance(document, dict) else None
    if not isinstance(root, MappingNode) or not isinstance(config, dict | None):
        line = root.start_mark.line + 1 if root is not None else 1
        raise StackFileDamaged(source, line, "not a stack file: expected a map with a `config:` map of settings")
    config = dict(config or {})
    config_node = next((value for key, value in root.value if isinstance(key, ScalarNode) and key.value == "config"))
    for key, value in config_node.value if isinstance(config_node, MappingNode) else ():
        plain = isinstance(value, ScalarNode) and value.style is None and str(value.tag).endswith(_AS_WRITTEN)
        if plain and isinstance(key, ScalarNode) and key.value in config:
            config[key.value] = value.value
    return config


def _alias_problem(text: str, line: int, column: int) -> str:
    """What an unquoted `*` value means to YAML (an alias), and what to write instead."""
    value = re.split(r"[\s,\]}]", text.splitlines()[line][column:], maxsplit=1)[0]
    return (
        f"{value} is read by YAML as an alias to an anchor, because it starts with `*`; "
        f'quote it: "{value}". A hostname or the domain cannot be a wildcard: list each hostname'
    )


_AS_WRITTEN = (":int", ":float", ":bool")  # the YAML types of a plain scalar that Pulumi passes on as text


def load_stack_settings(path: Path, source: str = "") -> Settings:
    """Read and validate one stack file: StackFileDamaged when it cannot be read, SettingsError when invalid."""
    source = source or path.name
    return parse(project_config(load_stack_config(path, source)), source=source)


@dataclass
class StackFiles:
    """Every stack file of a project that was read: the valid ones and, by stack, why the others are not."""

    valid: dict[str, Settings] = field(default_factory=dict)
    invalid: dict[str, SettingsError] = field(default_factory=dict)

    @property
    def names(self) -> list[str]:
        return sorted({*self.valid, *self.invalid})

    def refuse_invalid(self) -> None:
        """StackFilesError with every invalid file's report (SettingsError.report: the same header everywhere)."""
        if self.invalid:
            raise StackFilesError("\n".join(str(err) for err in self.invalid.values()))


def read_working_tree(project_dir: Path) -> StackFiles:
    files = StackFiles()
    for stack in stack_names(project_dir):
        path = stack_file(project_dir, stack)
        try:
            files.valid[stack] = load_stack_settings(path)
        except SettingsError as err:
            files.invalid[stack] = err
    return files


def read_at_ref(project_dir: Path, ref: str) -> StackFiles:
    """The project's stack files as they are at a git ref (a branch, tag or commit)."""
    if ref.startswith("-"):
        raise GitError(f"{ref!r} is not a git ref")  # git would read it as an option
    # `REF:./` is the project folder at REF; --full-tree stops ls-tree from filtering by the current folder.
    listing = git(project_dir, "ls-tree", "--full-tree", "-z", "--name-only", f"{ref}:./").decode()
    stacks = sorted(stack for name in listing.split("\0") if (stack := stack_of(name)))
    files = StackFiles()
    with tempfile.TemporaryDirectory(prefix="bluegreen-") as scratch:
        for stack in stacks:
            # Through a file so that settings reads it exactly as it reads the working tree.
            path = stack_file(Path(scratch), stack)
            path.write_bytes(git(project_dir, "show", f"{ref}:./{path.name}"))
            try:
                files.valid[stack] = load_stack_settings(path, f"{path.name} at {ref}")
            except SettingsError as err:
                files.invalid[stack] = err
    return files


def git_text(project_dir: Path, ref: str, name: str) -> str:
    """The text of a file of the project folder at a git ref."""
    return git(project_dir, "show", f"{ref}:./{name}").decode(errors="replace")


def changed_paths(project_dir: Path, ref: str) -> list[str]:
    """Files of the project that differ between `ref` and the working tree (untracked ones included)."""
    changed = git(project_dir, "diff", "--name-only", "--relative", "--no-renames", ref, "--").decode().splitlines()
    untracked = git(project_dir, "ls-files", "--others", "--exclude-standard").decode().splitlines()
    return sorted({*changed, *untracked})


def uncommitted_stack_files(project_dir: Path) -> list[str]:
    """Stack files with changes git has not committed (new ones included): `shift` takes no step on top of
    them, and `status` says to commit them first. Outside a git repository there is nothing to commit: none."""
    try:
        status = git(project_dir, "status", "--porcelain", "--", "Pulumi.*.yaml").decode()
    except GitError:
        return []
    return sorted(Path(line[3:].strip('"')).name for line in status.splitlines() if line[3:])


HISTORY_LIMIT = 50  # commits that changed a stack file: bounds the walk back, so that status stays fast


def committed_splits(project_dir: Path, limit: int = HISTORY_LIMIT) -> Iterator[CommittedSplit]:
    """The split at each of the last `limit` commits that changed a stack file of the project, newest first.

    Two git runs however long the history: `git log` names the commits, and one `git cat-file --batch`
    prints every stack file at each of them (what `git show REV:./FILE` prints, without a process per
    file). Each file's colour and weight are read with the one reader and the program's weight rule, lazily
    and once per distinct file content; a commit where a stack file gives neither (damaged, or an older
    layout) is skipped. GitError outside git or before the first commit.
    """
    log = git(
        project_dir,
        "log",
        f"--max-count={limit}",
        "--format=commit %H",
        "--name-only",
        "--relative",
        "--",
        "Pulumi.*.yaml",
    ).decode()
    commits = [line.removeprefix("commit ") for line in log.splitlines() if line.startswith("commit ")]
    # Every stack file that was there at one of the commits: today's, and those the commits touched.
    names = sorted(
        {*(n for n in log.splitlines() if stack_of(n)), *(f"Pulumi.{s}.yaml" for s in stack_names(project_dir))}
    )
    wanted = [f"{commit}:./{name}" for commit in commits for name in names]
    blobs = _cat_file(project_dir, wanted) if wanted else []
    return _splits(commits, [blobs[i : i + len(names)] for i in range(0, len(blobs), len(names))])


def _cat_file(project_dir: Path, objects: list[str]) -> list[tuple[str, bytes] | None]:
    """Each object's id and content, None for one that does not exist (a stack file not there yet)."""
    out = git(project_dir, "cat-file", "--batch", stdin="".join(f"{name}\n" for name in objects).encode())
    found: list[tuple[str, bytes] | None] = []
    at = 0
    for _ in objects:
        end = out.index(b"\n", at)
        header = out[at:end].decode(errors="replace")
        at = end + 1
        fields = header.split(" ")
        if len(fields) != 3 or not fields[2].isdigit():  # "NAME missing"
            found.append(None)
            continue
        oid, kind, size = fields[0], fields[1], int(fields[2])
        found.append((oid, out[at : at + size]) if kind == "blob" else None)
        at += size + 1
    return found


def _splits(commits: list[str], files: list[list[tuple[str, bytes] | None]]) -> Iterator[CommittedSplit]:
    read: dict[str, tuple[str, int] | None] = {}  # blob id -> (colour, weight); a file rarely changes
    for commit, blobs in zip(commits, files, strict=True):
        present = [blob for blob in blobs if blob is not None]
        for oid, data in present:
            if oid not in read:
                read[oid] = _color_and_weight(data)
        sides = [side for oid, _ in present if (side := read[oid]) is not None]
        if not sides or len(sides) < len(present):
            continue
        weights = {color: sum(w for c, w in sides if c == color) for color in COLORS}
        yield CommittedSplit(commit, weights)


def _color_and_weight(data: bytes) -> tuple[str, int] | None:
    try:
        config = project_config(config_from_text(data.decode()))
    except (UnicodeDecodeError, StackFileDamaged):
        return None
    color, weight = config.get("color"), parse_weight(config.get("trafficWeight"))
    return (color, weight) if color in COLORS and weight is not None else None


@dataclass(frozen=True)
class WeightChange:
    """A stack's trafficWeight in one version of its file and in a later one."""

    stack: str
    file: str  # Pulumi.<stack>.yaml
    before: int
    after: int

    def describe(self) -> str:
        return f"{self.file}: trafficWeight {self.before} → {self.after}"

    def commit_message(self) -> str:
        """The message of the commit that takes this step alone (`shift --apply` commits with it)."""
        return f"shift: {self.stack} trafficWeight {self.before} → {self.after} ({self.file})"


@dataclass(frozen=True)
class DeployRef:
    """The remote-tracking ref whose commits are the deployed ones, as git last fetched it."""

    ref: str  # full name, e.g. refs/remotes/origin/main
    remote: str  # e.g. origin
    branch: str  # the current branch, e.g. main or shift-green

    @property
    def name(self) -> str:
        """As the user writes it: origin/main."""
        return self.ref.removeprefix("refs/remotes/").removeprefix("refs/heads/")

    @property
    def on_deploying_branch(self) -> bool:
        """The current branch is the deploying one (main): pushing it would merge without review."""
        return self.name.removeprefix(f"{self.remote}/") == self.branch


@dataclass(frozen=True)
class Unmerged:
    """Stack-file changes committed on the current branch that the deploying ref does not have yet."""

    at: DeployRef
    changes: tuple[WeightChange, ...]  # empty when every committed weight is in `at`
    commits: tuple[str, ...]  # short ids, newest first, of the commits not in `at` that change those files
    settings: tuple[str, ...] = ()  # stack files whose other settings (not the weight) differ from `at`'s

    def __bool__(self) -> bool:
        return bool(self.changes or self.settings)

    def not_in_ref_yet(self, weights: Sequence[WeightChange] | None = None) -> str:
        """'commit 1a2b3c4 (Pulumi.green.yaml: trafficWeight 0 → 1) is not in origin/main yet', naming the
        settings changes and `weights` (all the weight changes when None)."""
        named = self.changes if weights is None else weights
        what = [change.describe() for change in named] + [f"{name}: settings" for name in self.settings]
        several = len(self.commits) > 1
        return (
            f"commit{'s' if several else ''} {', '.join(self.commits)} ({'; '.join(what)}) "
            f"{'are' if several else 'is'} not in {self.at.name} yet"
        )


def deploy_ref(project_dir: Path) -> DeployRef | None:
    """The ref a merge deploys from: the current branch's remote's default branch (`refs/remotes/<remote>/HEAD`,
    which `git clone` sets and `git remote set-head <remote> --auto` sets later; the remote is the branch's
    upstream's, else `origin`), failing that the branch's upstream. None outside git, on a detached HEAD, or
    when neither is known. One git run: every branch's upstream and every remote's HEAD."""
    try:
        listing = git(
            project_dir,
            "for-each-ref",
            "--format=%(HEAD)%00%(refname)%00%(symref)%00%(upstream)%00%(upstream:remotename)",
            "refs/heads/",
            "refs/remotes/*/HEAD",
        ).decode()
    except GitError:
        return None
    rows = [line.split("\0") for line in listing.splitlines()]
    current = next((row for row in rows if row[0] == "*"), None)
    if current is None:  # detached HEAD: no branch to merge
        return None
    upstream, remote = current[3] or None, current[4] or "origin"
    default = next((row[2] for row in rows if row[1] == f"refs/remotes/{remote}/HEAD" and row[2]), None)
    ref = default or upstream
    return DeployRef(ref, remote, current[1].removeprefix("refs/heads/")) if ref else None


def unmerged_changes(project_dir: Path) -> Unmerged | None:
    """The stack-file changes committed on the current branch (since it left `deploy_ref`) that `deploy_ref`'s
    files do not hold: committed, but neither merged nor deployed. Weights and other settings apart, since a
    pull request may hold one weight change or settings changes, not both (`check`). None when no deploying
    ref is known (see `deploy_ref`). Each weight is read with the one reader, as `committed_splits` reads
    it. Two git runs when nothing is waiting (the refs, one diff): status stays fast."""
    at = deploy_ref(project_dir)
    if at is None:
        return None
    try:
        # REF...HEAD: what the branch changed since it left REF, not what REF gained since (a branch behind).
        diff = git(project_dir, "diff", "--name-only", "--relative", "--no-renames", f"{at.ref}...HEAD", "--")
        names = [name for name in diff.decode().splitlines() if stack_of(name)]
        if not names:
            return Unmerged(at, (), ())
        blobs = _cat_file(project_dir, [f"{rev}:./{name}" for name in names for rev in (at.ref, "HEAD")])
    except GitError:
        return None
    changes, settings = [], []
    for n, name in enumerate(names):
        merged, head = blobs[2 * n], blobs[2 * n + 1]
        read_head = _color_and_weight(head[1]) if head else None
        read_merged = _color_and_weight(merged[1]) if merged else None
        before = read_merged[1] if read_merged else 0  # a stack file not there yet has no record: weight 0
        if read_head is not None and read_head[1] != before:
            changes.append(WeightChange(str(stack_of(name)), name, before, read_head[1]))
        texts = [blob[1].decode(errors="replace") if blob else "" for blob in (merged, head)]
        if texts[0] != texts[1] and not only_the_weight_line_differs(*texts):
            settings.append(name)
    if not changes and not settings:
        return Unmerged(at, (), ())
    files = sorted({*(c.file for c in changes), *settings})
    log = git(project_dir, "log", "--format=%h", f"{at.ref}..HEAD", "--", *files)
    return Unmerged(at, tuple(changes), tuple(log.decode().split()), tuple(settings))


@dataclass(frozen=True)
class UncommittedChange:
    """What changed in a stack file against HEAD: its weight, and whether anything else did."""

    file: str
    weight: WeightChange | None  # None when the weight is as committed (or unreadable)
    other: bool  # something besides the trafficWeight value changed (or the file is new, removed, damaged)


def uncommitted_changes(project_dir: Path, names: Collection[str]) -> list[UncommittedChange] | None:
    """What changed in each of the stack files `names` against HEAD; None when nothing is committed yet."""
    try:
        git(project_dir, "rev-parse", "--verify", "--quiet", "HEAD")
        committed = _cat_file(project_dir, [f"HEAD:./{name}" for name in names])
    except GitError:
        return None
    changes = []
    for name, blob in zip(names, committed, strict=True):
        path = project_dir / name
        now = path.read_bytes() if path.is_file() else None
        if blob is None or now is None:
            changes.append(UncommittedChange(name, None, other=True))
            continue
        read_before, read_now = _color_and_weight(blob[1]), _color_and_weight(now)
        weight = None
        if read_before and read_now and read_before[1] != read_now[1]:
            weight = WeightChange(str(stack_of(name)), name, read_before[1], read_now[1])
        texts = (blob[1].decode(errors="replace"), now.decode(errors="replace"))
        other = weight is None or not only_the_weight_line_differs(*texts)
        changes.append(UncommittedChange(name, weight, other))
    return changes


def only_the_weight_line_differs(before: str, after: str) -> bool:
    """True when two texts of a stack file differ in the trafficWeight line and nowhere else."""
    before_lines, after_lines = before.splitlines(), after.splitlines()
    if len(before_lines) != len(after_lines):
        return False
    try:
        weight_line = after[: weight_span(after)[0]].count("\n")
    except EditError:
        return False
    return all(
        old == new for n, (old, new) in enumerate(zip(before_lines, after_lines, strict=True)) if n != weight_line
    )


def weight_span(text: str) -> tuple[int, int]:
    """Start and end offsets of the `eks-bluegreen:trafficWeight` value in a stack file's text."""
    from ruamel.yaml import YAML
    from ruamel.yaml.nodes import ScalarNode

    weight = _weight_node(YAML(typ="safe", pure=True).compose(text))
    if not isinstance(weight, ScalarNode):
        raise EditError(f"{WEIGHT_KEY} is not a single value")
    return weight.start_mark.index, weight.end_mark.index


def _weight_node(root: Node | None) -> Node:
    """The YAML node of the `eks-bluegreen:trafficWeight` value; EditError unless there is exactly one."""
    from ruamel.yaml.nodes import MappingNode, ScalarNode

    def value_of(node: Node | None, key: str, where: str) -> Node:
        if not isinstance(node, MappingNode):
            raise EditError(f"{where} is not a map")
        values = [value for name, value in node.value if isinstance(name, ScalarNode) and name.value == key]
        if len(values) != 1:
            raise EditError(f"{where} has {len(values)} `{key}` keys; expected one")
        return values[0]

    return value_of(value_of(root, "config", "the file"), WEIGHT_KEY, "config")


def set_traffic_weight(path: Path, weight: int) -> bytes:
    """Write `weight` as the file's trafficWeight, changing only that value's characters. Returns the new bytes.

    Raises EditError, leaving the file untouched, when the value cannot be found once or the edited
    file does not read back as the original with only the weight changed.
    """
    text = path.read_bytes().decode()  # bytes, not read_text: keep \r\n line ends as they are
    start, end = weight_span(text)
    edited = (text[:start] + str(weight) + text[end:]).encode()
    expected: dict[str, Any] = {**load_stack_config(path), WEIGHT_KEY: str(weight)}
    # A temporary file next to the original: read back, then renamed over the original in one step.
    handle, temporary_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    temporary = Path(temporary_name)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(edited)
        try:
            reads_back = load_stack_config(temporary) == expected
        except StackFileDamaged:
            reads_back = False
        if not reads_back:
            raise EditError(f"{path.name}: the edited file would not read back as intended; left unchanged")
        shutil.copymode(path, temporary)
        temporary.replace(path)
    finally:
        temporary.unlink(missing_ok=True)
    return edited


def project_dir_option(project_dir: Path) -> str | None:
    """The --project-dir to repeat in suggested commands: None when it is the current folder."""
    return None if project_dir.resolve() == Path.cwd().resolve() else str(project_dir)


@dataclass(frozen=True)
class StackPair:
    stacks: Mapping[str, Settings]  # colour -> settings
    region: str | None

    @property
    def zone_id(self) -> str:
        return self.stacks[COLORS[0]].hosted_zone_id

    @property
    def domain(self) -> str:
        return self.stacks[COLORS[0]].domain

    @property
    def hostnames(self) -> tuple[str, ...]:
        return self.stacks[COLORS[0]].hostnames

    def expected(self, hostname: str, only: Collection[str] = COLORS) -> Expected:
        """One weighted record per colour; the colours outside `only` are known but not compared."""
        return Expected(
            hostname,
            tuple(
                ColorExpectation(c, self.stacks[c].traffic_weight, self.stacks[c].txt_owner_id, checked=c in only)
                for c in COLORS
            ),
        )

    def describe(self) -> str:
        stacks = " and ".join(
            f"{c} (weight {s.traffic_weight}, owner id {s.txt_owner_id})" for c, s in self.stacks.items()
        )
        return f"Zone {self.zone_id} ({self.domain}); stacks {stacks}."


def read_stacks(project_dir: Path) -> list[StackTraffic]:
    """The working tree's stacks as status and shift use them; StackFilesError when one cannot be read."""
    files = read_working_tree(project_dir)
    if not files.names:
        raise StackFilesError(f"no Pulumi.<stack>.yaml file in {project_dir}")
    files.refuse_invalid()
    return [StackTraffic.from_settings(stack, settings) for stack, settings in files.valid.items()]


def load_pair(project_dir: Path) -> StackPair:
    """Both colours' stack files, checked to agree on the zone, the domain and the shared hostnames."""
    files = read_working_tree(project_dir)
    files.refuse_invalid()
    stacks: dict[str, Settings] = {}
    regions: dict[str, str] = {}
    for name, settings in files.valid.items():
        if settings.color in stacks:
            raise StackFilesError(f"{stack_file(project_dir, name).name}: a second stack file for {settings.color}")
        stacks[settings.color] = settings
        region = load_stack_config(stack_file(project_dir, name)).get("aws:region")
        if isinstance(region, str):
            regions[settings.color] = region
    missing = [c for c in COLORS if c not in stacks]
    if missing:
        raise StackFilesError(f"{project_dir}: no stack file for {' and '.join(missing)}; need one per colour")

    blue, green = (stacks[c] for c in COLORS)
    differences = [
        f"{label}: blue has {a!r}, green has {b!r}"
        for label, a, b in (
            ("hostedZoneId", blue.hosted_zone_id, green.hosted_zone_id),
            ("domain", blue.domain, green.domain),
            ("hostnames", sorted(blue.hostnames), sorted(green.hostnames)),
        )
        if a != b
    ]
    if differences:
        raise StackFilesError(
            "The two stack files must describe the same shared names, but they differ:\n"
            + "\n".join(f"  - {d}" for d in differences),
            disagree=True,
        )
    region = next((regions[c] for c in COLORS if c in regions), None)
    return StackPair({c: stacks[c] for c in COLORS}, region)


def ingress_resource(settings: Settings, hostname: str) -> str:
    """ExternalDNS's `resource` label for the Ingress publishing `hostname` in this colour."""
    from bluegreen.external_dns_values import ingress_name

    endpoint = next(e for e in settings.endpoints if e.hostname == hostname)
    return f"ingress/{endpoint.namespace}/{ingress_name(endpoint)}"
