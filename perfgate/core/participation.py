"""Which user classes and tasks took part in a run, and why one did not.

Locust gives fixed_count classes their users first and shares the rest by weight; with fewer
users than classes (Locust's default is one user when nothing sets a count) some classes never
run, and every endpoint only they request is NO DATA. Some classes of a locustfile are not in the
run at all: those the command line names leave the others out (`locust -f f.py Api`), the web
UI's class picker leaves out those not picked, and Locust drops a class of weight 0. Its --tags
and --exclude-tags take tasks out of every class before the test starts (a smoke subset in a PR
pipeline, a profile written for the whole suite). The verdict names these and says why, and a NO
DATA check whose key appears only in the source of such a class, or in a task the tags left out,
says so.
"""

from __future__ import annotations

from dataclasses import dataclass

from perfgate.core.naming import mentions


@dataclass(frozen=True)
class UserClass:
    name: str
    weight: float
    fixed_count: int
    peak: int  # the most users of this class that ran at once
    literals: tuple[str, ...] = ()  # strings in its source (names, URLs): what it would request
    configured: bool = False  # Locust's --config-users set its weight or fixed_count for the run


@dataclass(frozen=True)
class LeftOut:
    """A task Locust's tag filter took out of a user class or TaskSet, or a user class of the
    locustfile that is not in the run."""

    name: str  # a task's qualified name (Api.projects), or a class's
    literals: tuple[str, ...] = ()  # strings in its source: what it would request
    why: str = ""  # for a class: what left it out


@dataclass(frozen=True)
class Participation:
    classes: tuple[UserClass, ...]
    users: int | None  # the user count asked for; None when a load shape decides it
    defaulted: bool = False  # nothing set a user count: Locust ran its default of one
    left_out: tuple[LeftOut, ...] = ()
    tag_filter: str = ""  # the options that left them out: "--tags smoke --exclude-tags slow"
    classes_left_out: tuple[LeftOut, ...] = ()  # the locustfile's classes that are not in the run

    @property
    def idle(self) -> list[UserClass]:
        return [c for c in self.classes if c.peak == 0]

    def warnings(self) -> list[str]:
        notes = []
        if self.defaulted:
            notes.append(
                "no user count was set (-u/--users, LOCUST_USERS, users in locust.conf, or load.users in the "
                "profile): Locust ran its default of 1 user"
            )
        idle = self.idle
        if idle and len(idle) < len(self.classes):
            names = ", ".join(c.name for c in idle)
            notes.append(f"user class{'es' if len(idle) > 1 else ''} {names} got no user: {self.reason(idle[0])}")
        if self.left_out:
            names = ", ".join(task.name for task in self.left_out)
            notes.append(f"{self.tag_filter} left out {len(self.left_out)} task(s): {names}")
        return notes

    def reason(self, idle: UserClass) -> str:
        """Why `idle` got no user, in the terms Locust's dispatcher uses."""
        users = self.users
        count = f"{users} user{'s' if users != 1 else ''}"
        asked = f"{count} (Locust's default)" if self.defaulted else f"-u {users}"
        if users is None:
            return "the load shape never gave it a user"
        fixed = sum(c.fixed_count for c in self.classes)
        if idle.fixed_count or users <= fixed:
            return f"{asked} is not more than the {fixed} users that fixed_count classes take first"
        source = " (set by --config-users)" if idle.configured else ""
        if not idle.weight:
            return f"its weight is 0{source}, so no -u gives it a user; give it a weight above 0"
        weighted = [c for c in self.classes if not c.fixed_count and c.weight]  # weight 0 shares in nothing
        left = users - fixed
        if left < len(weighted):
            return f"{asked} for {len(weighted)} user classes; run with at least -u {fixed + len(weighted)}"
        total = sum(c.weight for c in weighted) or 1.0
        share = left * idle.weight / total
        return (
            f"its weight {idle.weight:g}{source} of {total:g} makes {share:.1f} of the {left} users shared by "
            "weight; raise -u or its weight"
        )

    def no_data_note(self, key: str) -> str:
        """For a NO DATA key: the idle classes whose source is the only one that mentions it, or
        the tasks left out by tags that mention it."""
        idle = [c for c in self.idle if _mentioned(key, c.literals)]
        ran = [c for c in self.classes if c.peak and _mentioned(key, c.literals)]
        if idle and not ran:
            names = " and ".join(c.name for c in idle)
            return f"only {names} request{'s' if len(idle) == 1 else ''} it, and got no user: {self.reason(idle[0])}"
        tagged = [task.name for task in self.left_out if _mentioned(key, task.literals)]
        if tagged:
            return f"{self.tag_filter} left out {', '.join(tagged)}, which request{'s' if len(tagged) == 1 else ''} it"
        absent = [c for c in self.classes_left_out if _mentioned(key, c.literals)]
        if absent and not ran and not idle:
            return "; ".join(f"only {c.name} requests it, which is not in this run: {c.why}" for c in absent)
        return ""


def _mentioned(key: str, literals: tuple[str, ...]) -> bool:
    return any(mentions(key, literal) for literal in literals)
