"""Which user classes and tasks took part, why one did not, and which NO DATA keys that explains."""

from dataclasses import replace
from types import SimpleNamespace

from perfgate.core.participation import LeftOut, Participation, UserClass
from perfgate.locust.user_classes import classes_left_out, configured_classes, declared_tasks, left_out, literals


def classes(*peaks: int, weights: tuple[float, ...] = (), fixed: tuple[int, ...] = ()) -> tuple[UserClass, ...]:
    names = ("Devops", "Deploy", "Builds", "Reports")
    return tuple(
        UserClass(
            names[i],
            weights[i] if weights else 1.0,
            fixed[i] if fixed else 0,
            peak,
            (f"GET /api/v1/{names[i].lower()}", "/api/v1/shared"),
        )
        for i, peak in enumerate(peaks)
    )


def test_locusts_default_of_one_user_for_four_classes():
    run = Participation(classes(1, 0, 0, 0), users=1, defaulted=True)
    assert [c.name for c in run.idle] == ["Deploy", "Builds", "Reports"]
    default, idle = run.warnings()
    assert "Locust ran its default of 1 user" in default
    assert idle == (
        "user classes Deploy, Builds, Reports got no user: "
        "1 user (Locust's default) for 4 user classes; run with at least -u 4"
    )


def test_fewer_users_than_classes_on_the_command_line():
    run = Participation(classes(1, 1, 0, 0), users=2)
    assert run.warnings() == [
        "user classes Builds, Reports got no user: -u 2 for 4 user classes; run with at least -u 4"
    ]


def test_fixed_count_classes_take_their_users_first():
    run = Participation(classes(3, 0, 0, 0, fixed=(3, 0, 0, 0)), users=3)
    assert run.reason(run.idle[0]) == "-u 3 is not more than the 3 users that fixed_count classes take first"


def test_a_light_weight_rounds_to_no_user():
    run = Participation(classes(5, 5, 0, 0, weights=(10, 10, 0.1, 0.1)), users=10)
    assert run.reason(run.idle[0]) == (
        "its weight 0.1 of 20.2 makes 0.0 of the 10 users shared by weight; raise -u or its weight"
    )


def test_a_class_of_weight_0_is_told_to_get_a_weight_and_where_it_was_set():
    weighted = classes(5, 5, 0, 0, weights=(10, 10, 0, 0.1))
    run = Participation((*weighted[:3], replace(weighted[3], configured=True)), users=10)
    assert run.reason(run.idle[0]) == "its weight is 0, so no -u gives it a user; give it a weight above 0"
    assert run.reason(run.idle[1]) == (
        "its weight 0.1 (set by --config-users) of 20.1 makes 0.0 of the 10 users shared by weight; "
        "raise -u or its weight"
    )


def test_a_class_of_weight_0_is_not_told_to_raise_the_user_count_nor_counted_in_it():
    run = Participation(classes(1, 0, 0, weights=(1, 0, 1)), users=1)
    assert run.reason(run.idle[0]) == "its weight is 0, so no -u gives it a user; give it a weight above 0"
    assert run.reason(run.idle[1]) == "-u 1 for 2 user classes; run with at least -u 2"


def test_the_classes_that_config_users_configures_are_read_from_each_json_given():
    given = [[{"user_class_name": "Deploy", "weight": 0}], [{"user_class_name": "Builds", "fixed_count": 2}]]
    assert configured_classes(SimpleNamespace(config_users=given)) == {"Deploy", "Builds"}
    assert configured_classes(SimpleNamespace(config_users=None)) == set()


def test_no_warning_when_every_class_ran_or_none_did():
    assert Participation(classes(1, 1, 1, 1), users=4).warnings() == []
    assert Participation(classes(0, 0, 0, 0), users=4).warnings() == []


def test_a_no_data_key_is_put_down_to_idle_classes_only_when_no_class_that_ran_requests_it():
    run = Participation(classes(1, 0, 0, 0), users=1, defaulted=True)
    note = run.no_data_note("GET /api/v1/reports")
    assert note.startswith("only Reports requests it, and got no user: 1 user (Locust's default)")
    assert run.no_data_note("GET /api/v1/shared") == ""  # Devops ran and requests it too
    assert run.no_data_note("GET /api/v1/unknown") == ""
    assert run.no_data_note("/api/v1/builds") == ""  # "GET /api/v1/builds" is the literal
    assert run.no_data_note("GET /api/v1/builds").startswith("only Builds requests it")


class Browse:  # a TaskSet: the scan reads classes and their `tasks`, so no Locust import is needed here
    def page(self):
        self.client.get("/inside/a/taskset", name="GET /taskset")


class Base:
    def on_start(self):
        self.client.post("/login", name="POST /login")


class Shopper(Base):
    tasks = [Browse]  # noqa: RUF012  (as users write it)

    def cart(self):
        self.client.get(f"/cart/{id(self)}", name="/cart/:id")


def test_the_strings_of_a_class_include_its_bases_and_tasksets():
    found = set(literals(Shopper))
    assert {"POST /login", "/login", "GET /taskset", "/inside/a/taskset", "/cart/:id"} <= found
    assert "/cart/" in found  # the constant part of an f-string


def test_tasks_the_tags_left_out_are_named_and_explain_the_keys_they_request():
    run = Participation(
        classes(1, 1),
        users=2,
        left_out=(LeftOut("Api.projects", ("/api/v1/projects",)), LeftOut("Reports.failures", ("GET /failures",))),
        tag_filter="--tags smoke",
    )
    assert run.warnings() == ["--tags smoke left out 2 task(s): Api.projects, Reports.failures"]
    assert run.no_data_note("GET /api/v1/projects") == "--tags smoke left out Api.projects, which requests it"
    assert run.no_data_note("GET /failures") == "--tags smoke left out Reports.failures, which requests it"
    assert run.no_data_note("GET /api/v1/unknown") == ""
    assert Participation(classes(1, 1), users=2).warnings() == []


def tagged(*tags):  # Locust's @tag, without importing Locust here
    def mark(function):
        function.locust_tag_set = set(tags)
        return function

    return mark


class Checkout:  # a TaskSet
    @tagged("smoke")
    def pay(self):
        self.client.post("/pay")

    def review(self):
        self.client.get("/reviews", name="GET /reviews")

    tasks = [pay, review, review]  # noqa: RUF012  (a weight repeats a task)


class Buyer:
    def browse(self):
        self.client.get("/browse")

    tasks = [Checkout, browse]  # noqa: RUF012


def test_the_tasks_a_tag_filter_took_out_are_found_by_their_declared_list():
    declared = declared_tasks([Buyer])
    assert declared[Checkout] == (Checkout.pay, Checkout.review)
    saved = Buyer.tasks, Checkout.tasks
    try:
        Buyer.tasks, Checkout.tasks = [Checkout], [Checkout.pay]  # what Locust's filter leaves of --tags smoke
        found = left_out(declared)
    finally:
        Buyer.tasks, Checkout.tasks = saved
    assert [task.name for task in found] == ["Buyer.browse", "Checkout.review"]
    assert found[1].literals == ("/reviews", "GET /reviews")


class Disabled:
    weight = 0

    def audit(self):
        self.client.get("/audit", name="GET /audit")


def test_the_classes_not_in_the_run_are_named_with_what_left_them_out():
    everything = {"Buyer": Buyer, "Shopper": Shopper, "Disabled": Disabled}
    environment = SimpleNamespace(user_classes=[Buyer], available_user_classes=everything)
    named = classes_left_out(environment, SimpleNamespace(user_classes=["Buyer"], class_picker=False))
    assert [(c.name, c.why) for c in named] == [
        ("Shopper", "the command line names the user classes to run (Buyer)"),
        ("Disabled", "its weight is 0, and Locust runs no class of weight 0"),
    ]
    picked = classes_left_out(environment, SimpleNamespace(user_classes=["Buyer"], class_picker=True))
    assert picked[0].why == "the web UI's class picker left it out"
    everyone = SimpleNamespace(user_classes=[Buyer, Shopper, Disabled], available_user_classes=everything)
    assert classes_left_out(everyone, SimpleNamespace(user_classes=[], class_picker=False)) == ()
    run = Participation(classes(1), users=1, classes_left_out=named)
    assert run.no_data_note("POST /login") == (
        "only Shopper requests it, which is not in this run: the command line names the user classes to run (Buyer)"
    )
    assert run.no_data_note("GET /audit").endswith("its weight is 0, and Locust runs no class of weight 0")
    assert run.no_data_note("GET /api/v1/devops") == "" and run.warnings() == []
