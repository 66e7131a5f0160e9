"""Cases of the synthetic city in every workflow state, driven through the real actions.

A handful per county (not one per household), so the actions run one by one: each case is taken to its
state by the same ``do_…`` calls the staff make, with the business clock set to dates in May and June 2023,
so that the timelines, deadlines and audit rows look like the bureau's own. Synthetic staff accounts (no
usable password) act for each county and one of its townships.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from minzheng.accounts.actions import do_create_user
from minzheng.accounts.models import User
from minzheng.assistance.cases import actions, clock
from minzheng.common.models import Region
from minzheng.registry.models import Household

Progress = Callable[[str, int, int], None]

# the states every county shows, in the order they are produced
STATES = (
    "submitted",
    "investigation",
    "publicity",
    "democratic_review",
    "county_review",
    "active",
    "rejected",
    "suspended",
    "terminated",
    "tekun_county_review",
    "temporary_in_advance",
)


@contextmanager
def business_day(day: datetime.date) -> Iterator[None]:
    """Run the actions as if on ``day`` (synthetic history only)."""
    saved_today, saved_now = clock.today, clock.now
    moment = timezone.make_aware(datetime.datetime.combine(day, datetime.time(10, 0)))
    clock.today = lambda: day  # type: ignore[assignment]  # the workflow's one seam for the date
    clock.now = lambda: moment  # type: ignore[assignment]
    try:
        yield
    finally:
        clock.today, clock.now = saved_today, saved_now  # type: ignore[method-assign]


def _staff(county: Region, township: Region, village: Region) -> dict[str, User]:
    specs = {
        "village": ("village", village),
        "township": ("township", township),
        "county": ("county", county),
        "county2": ("county", county),
    }
    staff = {}
    for key, (role, region) in specs.items():
        username = f"synth-{key}-{region.code}"
        existing = User.objects.filter(username=username).first()
        staff[key] = existing or do_create_user(
            username=username,
            password=None,
            role=role,
            jurisdiction=region,
            acting_user=None,
            first_name=f"模拟{region.name}工作人员",
        )
    return staff


def _head(household: Household) -> int:
    assert household.head_id is not None  # the households picked all have a head
    return household.head_id


def _d(text: str) -> datetime.date:
    return datetime.date.fromisoformat(text)


class _Driver:
    def __init__(self, staff: dict[str, User]):
        self.staff = staff

    def at(self, day: str) -> Any:
        return business_day(_d(day))

    def open(
        self, household: Household, scheme: str = "dibao", day: str = "2023-05-08", **kwargs: Any
    ) -> Any:
        with self.at(day):
            return actions.do_open_case(
                household_id=household.pk,
                applicant_id=_head(household),
                scheme=scheme,
                acting_user=self.staff["township"],
                **kwargs,
            )

    def investigate(self, case: Any, day: str = "2023-05-10") -> None:
        with self.at(day):
            actions.do_record_investigation(
                case.pk,
                visited_on=_d(day),
                investigator_ids=[self.staff["township"].pk, self.staff["county"].pk],
                findings="入户调查：家庭收入来源不稳定，主要靠务农和零工",
                family_signatories="户主",
                acting_user=self.staff["township"],
            )

    def preliminary(self, case: Any, day: str = "2023-05-15") -> None:
        with self.at(day):
            actions.do_submit_preliminary_review(
                case.pk,
                recommendation="eligible",
                opinion="经调查，家庭人均收入低于当地低保标准，建议纳入",
                proposed_amount=Decimal("400.00"),
                acting_user=self.staff["township"],
            )

    def publicise(self, case: Any, start: str = "2023-05-15", close: str | None = "2023-05-22") -> None:
        with self.at(start):
            actions.do_start_publicity(case.pk, acting_user=self.staff["township"])
        if close:
            with self.at(close):
                actions.do_close_publicity(case.pk, acting_user=self.staff["township"])

    def review(self, case: Any, day: str = "2023-05-23") -> None:
        with self.at(day):
            actions.do_record_democratic_review(
                case.pk,
                held_on=_d(day),
                participants=9,
                votes_for=8,
                votes_against=1,
                minutes="村民代表评议，多数同意",
                acting_user=self.staff["township"],
            )

    def county(self, case: Any, day: str = "2023-05-29") -> None:
        with self.at(day):
            actions.do_county_review(case.pk, opinion="agree", acting_user=self.staff["county"])

    def confirm(self, case: Any, day: str = "2023-06-01", category: str = "") -> Any:
        with self.at(day):
            return actions.do_confirm_case(
                case.pk,
                monthly_amount=Decimal("400.00"),
                category=category,
                decision_json={"scheme": case.scheme, "eligible": True},
                acting_user=self.staff["county2"],
            )

    def to_county(self, household: Household, scheme: str = "dibao", **kwargs: Any) -> Any:
        case = self.open(household, scheme, **kwargs)
        self.investigate(case)
        self.preliminary(case)
        self.publicise(case)
        self.review(case)
        return case


def _produce(state: str, driver: _Driver, household: Household) -> None:
    if state == "submitted":
        # filed by the assistant of the household's own village (代办)
        township = household.region.parent
        assert (
            township is not None and township.parent is not None
        )  # villages sit under a township and county
        village_staff = _staff(township.parent, township, household.region)["village"]
        with driver.at("2023-06-26"):
            actions.do_open_case(
                household_id=household.pk,
                applicant_id=_head(household),
                scheme="dibao",
                acting_user=village_staff,
            )
    elif state == "investigation":
        driver.open(household, day="2023-06-20")
    elif state == "publicity":
        case = driver.open(household, day="2023-06-12")
        driver.investigate(case, "2023-06-14")
        driver.preliminary(case, "2023-06-26")
        driver.publicise(case, "2023-06-26", None)
    elif state == "democratic_review":
        case = driver.open(household, day="2023-06-01")
        driver.investigate(case, "2023-06-05")
        driver.preliminary(case, "2023-06-12")
        driver.publicise(case, "2023-06-12", "2023-06-19")
    elif state == "county_review":
        driver.to_county(household)
    elif state in ("active", "suspended", "terminated"):
        case = driver.to_county(household)
        driver.county(case)
        driver.confirm(case)
        if state == "suspended":
            with driver.at("2023-06-20"):
                actions.do_suspend_case(
                    case.pk, reason="家庭不配合年度复核", acting_user=driver.staff["county"]
                )
        elif state == "terminated":
            with driver.at("2023-06-21"):
                actions.do_terminate_case(
                    case.pk, reason="income_above_standard", acting_user=driver.staff["county"]
                )
    elif state == "rejected":
        case = driver.to_county(household)
        driver.county(case)
        with driver.at("2023-06-01"):
            actions.do_reject_case(
                case.pk, reasons="家庭人均收入高于当地低保标准", acting_user=driver.staff["county2"]
            )
    elif state == "tekun_county_review":
        driver.to_county(household, "tekun", beneficiary_id=household.head_id)
    elif state == "temporary_in_advance":
        with driver.at("2023-06-15"):
            case = actions.do_open_case(
                household_id=household.pk,
                applicant_id=_head(household),
                scheme="temporary",
                temporary_subtype="emergency",
                acting_user=driver.staff["township"],
            )
            actions.do_confirm_case(
                case.pk,
                monthly_amount=Decimal("1500.00"),
                category="急难型",
                decision_json={"scheme": "temporary", "eligible": True},
                acting_user=driver.staff["county2"],
            )


@transaction.atomic
def seed_cases(*, progress: Progress | None = None) -> int:
    """Cases in every state in each county's first township: returns the number of cases made."""
    from minzheng.assistance.cases.models import Case

    counties = list(Region.objects.filter(level="county").order_by("code"))
    made = 0
    for index, county in enumerate(counties, start=1):
        # the county's township with the most households not on dibao yet
        township = (
            Region.objects.filter(level="township", parent=county)
            .annotate(
                n=Count("children__households", filter=~Q(children__households__entitlements__scheme="dibao"))
            )
            .order_by("-n", "code")
            .first()
        )
        if township is None:
            continue
        households = list(
            Household.objects.filter(region__parent=township, head__isnull=False)
            .exclude(entitlements__scheme="dibao")
            .order_by("id")[: len(STATES)]
        )
        if not households:
            continue
        driver = _Driver(_staff(county, township, households[0].region))
        # rotate the states so that a small city still shows every state somewhere
        states = STATES[index % len(STATES) :] + STATES[: index % len(STATES)]
        for state, household in zip(states, households, strict=False):
            _produce(state, driver, household)
            made += 1
        if progress is not None:
            progress("办理中的申请", index, len(counties))
    return made if made else Case.objects.count()
