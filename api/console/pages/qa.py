"""The QA reviewer's page (质检): unreviewed scored conversations to review, agents' disputes to settle, and the
machine's agreement with the reviewers per item (share agreeing, Cohen's kappa)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import Response

from api.auth import Svc
from api.console.render import page, redirect
from api.console.visit import Qa
from insights.quality import review as qa

router = APIRouter(prefix="/console", include_in_schema=False)


@router.get("/qa")
def queue(
    request: Request,
    svc: Svc,
    visit: Qa,
    result: Annotated[Literal["", "pass", "fail", "fatal"], Query()] = "",
) -> Response:
    with svc.sessions() as session:
        sample = qa.sample(session, svc.settings.console.page_size, result=result or None)
        disputes = qa.disputes(session, status="open", limit=200)
        agreement = qa.agreement(session)
    return page(request, visit, "qa.html.j2", sample=sample, disputes=disputes, agreement=agreement, result=result)


@router.post("/qa/disputes/{dispute_id}")
def settle(
    dispute_id: int,
    svc: Svc,
    visit: Qa,
    decision: Annotated[Literal["upheld", "rejected"], Form()],
    reason: Annotated[str, Form(min_length=1, max_length=2000)],
    outcome: Annotated[Literal["", "pass", "fail", "na"], Form()] = "",
) -> Response:
    with svc.sessions() as session, session.begin():
        qa.resolve(
            session,
            dispute_id,
            upheld=decision == "upheld",
            reason=reason,
            resolved_by=visit.user.username,
            outcome=outcome or None,
        )
    return redirect("/console/qa", ok=f"qa.settled.{decision}")
