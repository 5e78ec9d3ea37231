"""Administration: the organisation's policies, in forms for the common ones and as JSON.

Every form goes through ``services.admin.change_policies``: validated (k never below 3 nor
above the people enrolled, positive intervals up to a day, known retention categories, known
ratings), stored all together, and audit-logged; k above the largest team (empty team
dashboards) needs the form's confirmation. The widgets allow out-of-range values on purpose,
so that the refusal says why instead of a widget silently clamping what the admin typed.
"""

import json
from typing import Any

import streamlit as st

from analytics.categories import RATINGS
from app.admin_forms import act, show_flash
from app.auth import require
from app.context import now, storage
from app.text import literal
from services.accounts import policies, team_names
from services.admin import change_policies

AS_DEFAULT = "as default"

account = require("admin")
engine = storage().engine
st.title("Policies")
st.caption("Everyone sees these in the sidebar: the collector is never secret.")
show_flash()
current = policies(engine)


def save(values: dict[str, Any], confirmed: bool = False) -> None:
    """Store ``values`` (policy name -> value) together and report what changed."""
    act(
        lambda: change_policies(engine, account.user_id, values, now(), confirmed=confirmed),
        lambda changed: f"Saved: {', '.join(changed)}." if changed else "Nothing changed.",
    )


def minutes_to_seconds(name: str, minutes: int) -> int:
    """Seconds for ``minutes``, keeping the stored value when the minutes did not change."""
    stored = int(current[name])
    return stored if minutes == stored // 60 else minutes * 60


with st.form("screenshots"):
    st.subheader("Screenshots and idle time")
    interval = st.number_input(
        "Screenshot about every (minutes)",
        min_value=0,
        value=int(current["screenshot_interval_seconds"]) // 60,
        key="policy-interval",
    )
    blur = st.checkbox("Blur screenshots", bool(current["screenshot_blur"]), key="policy-blur")
    idle = st.number_input(
        "Idle after (minutes without input)",
        min_value=0,
        value=int(current["idle_threshold_seconds"]) // 60,
        key="policy-idle",
    )
    if st.form_submit_button("Save screenshots and idle time"):
        save(
            {
                "screenshot_interval_seconds": minutes_to_seconds(
                    "screenshot_interval_seconds", int(interval)
                ),
                "screenshot_blur": bool(blur),
                "idle_threshold_seconds": minutes_to_seconds("idle_threshold_seconds", int(idle)),
            }
        )

with st.form("privacy"):
    st.subheader("Privacy of aggregates")
    k = st.number_input(
        "k: the fewest people any manager-facing figure may cover (at least 3)",
        min_value=1,
        value=int(current["k_anonymity"]),
        key="policy-k",
    )
    # An explicit tick, not a warning to click away: k above the largest team is drastic.
    sure = st.checkbox(
        "Yes, I mean it even if k is above the largest team (the team dashboards go empty)",
        key="policy-k-confirm",
    )
    if st.form_submit_button("Save k"):
        save({"k_anonymity": int(k)}, confirmed=bool(sure))

with st.form("ingest-window"):
    st.subheader("What the ingestion service accepts")
    st.caption(
        "Times a device sends must lie this close to the service's clock (judged with the "
        "device's clock measured at each upload): a device offline longer sets its older rows "
        "aside. A device whose clock is off by more than the last figure is refused; one that "
        "does not say its clock loses what it captured this close to a withdrawal."
    )
    back = st.number_input(
        "Up to this many days back",
        min_value=0,
        value=int(current["ingest_window_back_days"]),
        key="policy-ingest-back",
    )
    ahead = st.number_input(
        "Up to this many minutes ahead",
        min_value=0,
        value=int(current["ingest_window_ahead_minutes"]),
        key="policy-ingest-ahead",
    )
    skew = st.number_input(
        "A device's clock may be off by up to this many minutes",
        min_value=1,
        max_value=24 * 60,
        value=int(current["ingest_clock_max_skew_minutes"]),
        key="policy-ingest-skew",
    )
    if st.form_submit_button("Save ingestion window"):
        save(
            {
                "ingest_window_back_days": int(back),
                "ingest_window_ahead_minutes": int(ahead),
                "ingest_clock_max_skew_minutes": int(skew),
            }
        )

with st.form("retention"):
    st.subheader("Retention (days)")
    retention = {
        category: int(
            st.number_input(
                category.replace("_", " ").capitalize(),
                min_value=0,
                value=int(days),
                key=f"policy-retention-{category}",
            )
        )
        for category, days in current["retention_days"].items()
    }
    if st.form_submit_button("Save retention periods"):
        save({"retention_days": retention})

with st.form("responsibles"):
    st.subheader("Controller and data protection officer")
    st.caption("Named in the record of processing (Article 30) and the published policy.")
    parties = {}
    for party, title in (("controller", "Controller"), ("data_protection_officer", "DPO")):
        left, right = st.columns(2)
        parties[party] = {
            "name": left.text_input(
                f"{title}: name", current[party]["name"], key=f"policy-{party}-name"
            ).strip(),
            "contact": right.text_input(
                f"{title}: contact", current[party]["contact"], key=f"policy-{party}-contact"
            ).strip(),
        }
    if st.form_submit_button("Save controller and DPO"):
        save(parties)

st.subheader("Application category ratings")
ratings: dict[str, dict[str, str]] = current["category_ratings"]
scope = st.selectbox(
    "Ratings for", ["default", *team_names(engine).values()], key="policy-ratings-scope"
)
defaults = ratings["default"]
with st.form(f"ratings-{scope}"):
    is_default = scope == "default"
    choices = list(RATINGS) if is_default else [AS_DEFAULT, *RATINGS]
    own = ratings.get(str(scope), {})
    picked = {
        category: st.selectbox(
            category.capitalize(),
            choices,
            index=choices.index(own.get(category, AS_DEFAULT if not is_default else "neutral")),
            key=f"policy-rating-{scope}-{category}",
        )
        for category in defaults
    }
    if st.form_submit_button("Save ratings"):
        chosen = {c: str(r) for c, r in picked.items() if r != AS_DEFAULT}
        updated = {name: value for name, value in ratings.items() if name != scope}
        if chosen or is_default:
            updated[str(scope)] = chosen
        save({"category_ratings": updated})

with st.expander("Every policy as JSON (advanced)"):
    name = st.selectbox("Policy", sorted(current), key="policy-json-name")
    with st.form("policy-json"):
        text = st.text_area(
            "Value (JSON)", json.dumps(current[name], indent=2), height=200, key=f"json-{name}"
        )
        saved = st.form_submit_button("Save")
    if saved:
        try:
            value = json.loads(text)
        except json.JSONDecodeError as exc:
            st.error(f"Not saved: not valid JSON ({literal(exc.msg)} at line {exc.lineno})")
        else:
            save({str(name): value})
