"""Invitations into roles and labs, and managers' snooze/dismiss decisions about candidates.

A manager invites a candidate into a role profile (helper, moderator, ambassador, labs) with a
personal message; the member is told in-app and by e-mail with a signed link and accepts or
declines. Accepting asks the accounts domain to grant the role (a command event, so the grant and
its audit row live in accounts). Expiry is computed from `expires_at`; an open invitation past it
counts as expired everywhere and is marked so when a new one replaces it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ForeignKey, Index, String, Text, func, select, text
from sqlalchemy.orm import Mapped, Session, aliased, mapped_column

from app import security
from app.accounts.events import RoleGrantRequested
from app.accounts.models import AuditEntry, Group, GroupMembership, User
from app.ambassadors.events import InvitationAccepted, InvitationDeclined, InvitationSent
from app.ambassadors.models import PROFILES, ScoringRun
from app.db import Base
from app.errors import Conflict, Forbidden, NotFound, RateLimited, ValidationFailed
from app.events import publish
from app.forum.models import Notification, NotificationSetting
from app.forum import queries as forum_queries
from app.forum.queries import unsubscribe_url
from app.i18n import N_, Msg, nMsg
from app.mail import queue_email
from app.web import render_email, translations_for

STATUSES = ("open", "accepted", "declined", "expired")
DECISION_KINDS = ("snooze", "dismiss")
NOTIFICATION_KIND = "invitation"
TOKEN_PURPOSE = "invitation"
MESSAGE_MAX = 4000
REASON_MAX = 1000
ROLE_MEANINGS = {
    "helper": N_("Helpers answer questions, welcome newcomers and point people to good answers. "
                 "Your answers get a Helper badge; there is no schedule and no minimum."),
    "moderator": N_("Moderators keep discussions kind and useful: they review flags, hide spam, and "
                    "move or lock topics. You can step down at any time."),
    "ambassador": N_("Ambassadors speak for the community: they share what members need with the team, "
                     "host newcomers and represent the forum at events and online."),
    "labs": N_("Labs members try features before everyone else in a private area, and tell the "
               "product team what works and what does not."),
}
SUBJECT = N_("An invitation from %(site)s: %(role)s")
ROLE_NAMES = {"helper": N_("Helper"), "moderator": N_("Moderator"), "ambassador": N_("Ambassador"), "labs": N_("Labs")}


class Invitation(Base):
    """An invitation of one member into one role, with the manager's message and the answer."""

    __tablename__ = "invitation"
    __table_args__ = (
        # One open invitation per member and role, also under concurrent requests.
        Index("uq_invitation_open", "user_id", "role", unique=True,
              sqlite_where=text("status = 'open'"), postgresql_where=text("status = 'open'")),
        Index("ix_invitation_inviter", "invited_by_id", "created_at"),
        Index("ix_invitation_user_role", "user_id", "role", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(20))
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    run_id: Mapped[int | None] = mapped_column(ForeignKey("scoring_run.id", ondelete="SET NULL"))
    message: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(12), default="open")
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    responded_at: Mapped[datetime | None]
    decline_reason: Mapped[str] = mapped_column(Text, default="")


class CandidateDecision(Base):
    """A manager snoozed (until a date) or dismissed (with a reason) a candidate of one profile."""

    __tablename__ = "candidate_decision"
    __table_args__ = (Index("ix_candidate_decision_user", "user_id", "profile", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    profile: Mapped[str] = mapped_column(String(20))
    kind: Mapped[str] = mapped_column(String(10))
    reason: Mapped[str] = mapped_column(Text, default="")
    until: Mapped[datetime | None]
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    run_id: Mapped[int | None] = mapped_column(ForeignKey("scoring_run.id", ondelete="SET NULL"))
    created_at: Mapped[datetime]


def status_at(invitation: Invitation, now: datetime) -> str:
    """The invitation's status as of `now` (an open one past its expiry is expired)."""
    if invitation.status == "open" and invitation.expires_at <= now:
        return "expired"
    return invitation.status


def token_for(settings, invitation_id: int) -> str:
    """The signed part of an invitation's link."""
    return security.sign(settings, TOKEN_PURPOSE, {"i": invitation_id})


def invitation_id_from(settings, token: str) -> int:
    """The invitation id a signed link names, or 404 for a forged or mangled link."""
    payload = security.unsign(settings, TOKEN_PURPOSE, token, 10 * 365 * 86400)
    if not isinstance(payload, dict) or not isinstance(payload.get("i"), int):
        raise NotFound(N_("This invitation link is not valid."))
    return payload["i"]


def link_for(settings, invitation_id: int) -> str:
    """The absolute link an invitation e-mail carries."""
    return f"{settings.base_url}/invitations/{token_for(settings, invitation_id)}"


def audit(session: Session, *, actor_id: int | None, action: str, target_user_id: int | None, now: datetime, **detail) -> None:
    """One line in the shared audit log (the audit page lists invitation.*, candidate.* and role.*)."""
    session.add(AuditEntry(actor_id=actor_id, action=action, target_user_id=target_user_id,
                           detail=json.dumps(detail, sort_keys=True, default=str), created_at=now))


def _check_role(role: str) -> str:
    if role not in PROFILES:
        raise ValidationFailed(N_("Choose one of the roles: helper, moderator, ambassador or labs."),
                               detail={"role": N_("Choose one of the roles: helper, moderator, ambassador or labs.")})
    return role


def _latest_run_id(session: Session) -> int | None:
    return session.scalar(select(ScoringRun.id).order_by(ScoringRun.id.desc()).limit(1))  # as queries.latest_run


def holds_role(session: Session, user_id: int, role: str) -> bool:
    """True when the member is already in the role's group."""
    return session.scalar(
        select(GroupMembership.id).join(Group, Group.id == GroupMembership.group_id)
        .where(GroupMembership.user_id == user_id, Group.name == role)
    ) is not None


def active_decision(session: Session, user_id: int, profile: str, now: datetime) -> CandidateDecision | None:
    """A dismissal, or a snooze still running, that hides this candidate of this profile."""
    return session.scalars(
        select(CandidateDecision)
        .where(CandidateDecision.user_id == user_id, CandidateDecision.profile == profile,
               (CandidateDecision.kind == "dismiss") | (CandidateDecision.until > now))
        .order_by(CandidateDecision.created_at.desc(), CandidateDecision.id.desc())
        .limit(1)
    ).first()


def hidden_candidates(session: Session, profile: str, now: datetime) -> set[int]:
    """Members hidden from a profile's candidate list: dismissed, or snoozed until after `now`."""
    return set(session.scalars(
        select(CandidateDecision.user_id).where(
            CandidateDecision.profile == profile,
            (CandidateDecision.kind == "dismiss") | (CandidateDecision.until > now))
    ))


def open_invitations(session: Session, profile: str, now: datetime) -> dict[int, datetime]:
    """Members with an open invitation into a profile's role, with when it expires."""
    return dict(session.execute(
        select(Invitation.user_id, Invitation.expires_at)
        .where(Invitation.role == profile, Invitation.status == "open", Invitation.expires_at > now)
    ).all())


def check_can_invite(session: Session, settings, *, user: User, role: str, inviter_id: int, now: datetime) -> None:
    """Every limit on inviting a member into a role; raises with a message a manager can act on."""
    if user.id == inviter_id:
        raise Forbidden(N_("You cannot invite yourself into a role; ask another manager."))
    if user.ambassador_opt_out:
        raise Forbidden(Msg(N_("%(name)s asked not to be invited into community roles."), name=user.display_name))
    if holds_role(session, user.id, role):
        raise Conflict(Msg(N_("%(name)s already has this role."), name=user.display_name))
    if forum_queries.suspended_until(session, user.id, now) is not None:
        raise Conflict(Msg(N_("%(name)s is suspended; invite them once the suspension has ended."), name=user.display_name))
    decision = active_decision(session, user.id, role, now)
    if decision is not None and decision.kind == "dismiss":
        raise Conflict(Msg(N_("%(name)s was dismissed as a candidate for this role: %(reason)s"),
                           name=user.display_name, reason=decision.reason))
    if decision is not None:
        raise Conflict(Msg(N_("%(name)s is snoozed for this role until %(date)s."),
                           name=user.display_name, date=decision.until.strftime("%Y-%m-%d")))
    rows = session.scalars(
        select(Invitation).where(Invitation.user_id == user.id, Invitation.role == role,
                                 Invitation.status.in_(("open", "declined")))
    ).all()
    for row in rows:
        if status_at(row, now) == "open":
            raise Conflict(Msg(N_("%(name)s already has an open invitation for this role (until %(date)s)."),
                               name=user.display_name, date=row.expires_at.strftime("%Y-%m-%d")))
        if row.status == "declined" and row.responded_at and row.responded_at > now - timedelta(days=settings.invitation_decline_cooldown_days):
            again = row.responded_at + timedelta(days=settings.invitation_decline_cooldown_days)
            raise Conflict(Msg(N_("%(name)s declined this role on %(declined)s; you can invite again from %(again)s."),
                               name=user.display_name, declined=row.responded_at.strftime("%Y-%m-%d"),
                               again=again.strftime("%Y-%m-%d")))
    since = now - timedelta(days=1)
    sent = session.execute(
        select(func.count(Invitation.id), func.min(Invitation.created_at))
        .where(Invitation.invited_by_id == inviter_id, Invitation.created_at > since)
    ).one()
    if sent[0] >= settings.invitation_daily_limit:
        wait = int((sent[1] + timedelta(days=1) - now).total_seconds())
        raise RateLimited(nMsg("You have sent %(num)s invitation in the last 24 hours, the most allowed. Try again later.",
                               "You have sent %(num)s invitations in the last 24 hours, the most allowed. Try again later.",
                               sent[0]), retry_after=wait)


def invite(session: Session, settings, *, user: User, role: str, inviter_id: int, message: str, now: datetime) -> Invitation:
    """Invite a member into a role: checks every limit, notifies in-app and by e-mail, audits."""
    _check_role(role)
    message = (message or "").strip()
    if len(message) > MESSAGE_MAX:
        raise ValidationFailed(N_("The message is too long."), detail={"message": Msg(
            N_("Keep the message under %(max)s characters."), max=MESSAGE_MAX)})
    check_can_invite(session, settings, user=user, role=role, inviter_id=inviter_id, now=now)
    for stale in session.scalars(select(Invitation).where(
            Invitation.user_id == user.id, Invitation.role == role, Invitation.status == "open")):
        stale.status = "expired"
    session.flush()
    invitation = Invitation(
        user_id=user.id, role=role, invited_by_id=inviter_id, run_id=_latest_run_id(session), message=message,
        status="open", created_at=now, expires_at=now + timedelta(days=settings.invitation_expiry_days),
        decline_reason="",
    )
    session.add(invitation)
    session.flush()
    audit(session, actor_id=inviter_id, action="invitation.sent", target_user_id=user.id, now=now,
          role=role, invitation_id=invitation.id)
    _notify(session, settings, invitation, user, now)
    publish(session, InvitationSent(invitation_id=invitation.id, user_id=user.id, role=role,
                                    invited_by_id=inviter_id, at=now))
    return invitation


def _email_wanted(session: Session, user: User) -> bool:
    if not user.email or user.email_verified_at is None:
        return False
    muted = session.scalar(select(NotificationSetting.email).where(
        NotificationSetting.user_id == user.id, NotificationSetting.kind == NOTIFICATION_KIND))
    return muted is not False


def _notify(session: Session, settings, invitation: Invitation, user: User, now: datetime) -> None:
    path = f"/invitations/{token_for(settings, invitation.id)}"
    inviter = session.get(User, invitation.invited_by_id) if invitation.invited_by_id else None
    session.add(Notification(
        user_id=user.id, kind=NOTIFICATION_KIND, actor_id=invitation.invited_by_id, topic_id=None, post_id=None,
        data=json.dumps({"role": invitation.role, "role_name": ROLE_NAMES[invitation.role], "url": path, "event": "invited"}), created_at=now,
    ))
    session.flush()
    if not _email_wanted(session, user):
        return
    gettext = translations_for(user.locale or "en").gettext
    role_name = gettext(ROLE_NAMES[invitation.role])
    context = {
        "user": user, "inviter": inviter.display_name if inviter else settings.site_name, "role": role_name,
        "meaning": ROLE_MEANINGS[invitation.role], "message": invitation.message,
        "link": f"{settings.base_url}{path}", "expires": invitation.expires_at.strftime("%Y-%m-%d"),
        "site_name": settings.site_name,
        "unsubscribe_link": unsubscribe_url(settings, user.id, NOTIFICATION_KIND),
    }
    queue_email(
        session, kind=NOTIFICATION_KIND, user_id=user.id, to_address=user.email,
        subject=f"[{settings.site_name}] {gettext(SUBJECT) % {'site': settings.site_name, 'role': role_name}}",
        body_text=render_email("emails/invitation.txt", context, user.locale),
        body_html=render_email("emails/invitation.html", context, user.locale),
        unsubscribe_url=context["unsubscribe_link"], now=now,
    )



def own_invitation(session: Session, invitation_id: int, user_id: int) -> Invitation:
    """The member's own invitation; anyone else's is 'not found' (invitations are private)."""
    invitation = session.get(Invitation, invitation_id)
    if invitation is None or invitation.user_id != user_id:
        raise NotFound(N_("There is no such invitation."))
    return invitation


def _check_open(invitation: Invitation, now: datetime) -> None:
    status = status_at(invitation, now)
    if status == "expired":
        raise Conflict(Msg(N_("This invitation expired on %(date)s. Ask the community team for a new one."),
                           date=invitation.expires_at.strftime("%Y-%m-%d")))
    if status != "open":
        raise Conflict(N_("You already answered this invitation."))


def accept(session: Session, *, invitation_id: int, user_id: int, now: datetime) -> Invitation:
    """Accept: the role is granted (audited with who invited and which invitation)."""
    invitation = own_invitation(session, invitation_id, user_id)
    _check_open(invitation, now)
    invitation.status, invitation.responded_at = "accepted", now
    session.flush()
    audit(session, actor_id=user_id, action="invitation.accepted", target_user_id=user_id, now=now,
          role=invitation.role, invitation_id=invitation.id, invited_by_id=invitation.invited_by_id)
    publish(session, RoleGrantRequested(
        user_id=user_id, role=invitation.role, granted_by_id=invitation.invited_by_id,
        reason=f"invitation {invitation.id}", at=now,
    ))
    publish(session, InvitationAccepted(invitation_id=invitation.id, user_id=user_id, role=invitation.role,
                                        invited_by_id=invitation.invited_by_id, at=now))
    return invitation


def decline(session: Session, *, invitation_id: int, user_id: int, reason: str, now: datetime) -> Invitation:
    """Decline with an optional reason; the same role is not offered again for the cool-down."""
    invitation = own_invitation(session, invitation_id, user_id)
    _check_open(invitation, now)
    reason = (reason or "").strip()
    if len(reason) > REASON_MAX:
        raise ValidationFailed(N_("The reason is too long."), detail={"reason": Msg(
            N_("Keep the reason under %(max)s characters."), max=REASON_MAX)})
    invitation.status, invitation.responded_at, invitation.decline_reason = "declined", now, reason
    session.flush()
    audit(session, actor_id=user_id, action="invitation.declined", target_user_id=user_id, now=now,
          role=invitation.role, invitation_id=invitation.id, reason=reason)
    publish(session, InvitationDeclined(invitation_id=invitation.id, user_id=user_id, role=invitation.role,
                                        invited_by_id=invitation.invited_by_id, at=now))
    return invitation


def decide(session: Session, settings, *, user: User, profile: str, kind: str, reason: str, manager_id: int,
           now: datetime) -> CandidateDecision:
    """Snooze a candidate for `candidate_snooze_days`, or dismiss them with a reason."""
    _check_role(profile)
    if kind not in DECISION_KINDS:
        raise ValidationFailed(N_("Choose snooze or dismiss."))
    reason = (reason or "").strip()
    if kind == "dismiss" and not reason:
        raise ValidationFailed(N_("Say why you dismiss this candidate."),
                               detail={"reason": N_("Say why you dismiss this candidate.")})
    if len(reason) > REASON_MAX:
        raise ValidationFailed(N_("The reason is too long."), detail={"reason": Msg(
            N_("Keep the reason under %(max)s characters."), max=REASON_MAX)})
    if active_decision(session, user.id, profile, now) is not None:
        raise Conflict(Msg(N_("%(name)s is already snoozed or dismissed for this role."), name=user.display_name))
    until = now + timedelta(days=settings.candidate_snooze_days) if kind == "snooze" else None
    decision = CandidateDecision(user_id=user.id, profile=profile, kind=kind, reason=reason, until=until,
                                 decided_by_id=manager_id, run_id=_latest_run_id(session), created_at=now)
    session.add(decision)
    session.flush()
    audit(session, actor_id=manager_id, action=f"candidate.{kind}", target_user_id=user.id, now=now,
          role=profile, reason=reason, until=until)
    return decision


@dataclass(frozen=True)
class InvitationView:
    """An invitation as its page and the API show it."""

    id: int
    role: str
    status: str
    message: str
    inviter_username: str | None
    inviter_display_name: str | None
    invitee_username: str
    invitee_display_name: str
    created_at: datetime
    expires_at: datetime
    responded_at: datetime | None
    decline_reason: str


def views(session: Session, now: datetime, *, user_id: int | None = None, invitation_id: int | None = None,
          limit: int = 100, offset: int = 0) -> list[InvitationView]:
    """Invitations with both members' names, newest first, in one statement."""
    inviter, invitee = aliased(User), aliased(User)
    query = (
        select(Invitation, inviter.username, inviter.display_name, invitee.username, invitee.display_name)
        .join(invitee, invitee.id == Invitation.user_id)
        .outerjoin(inviter, inviter.id == Invitation.invited_by_id)
        .order_by(Invitation.created_at.desc(), Invitation.id.desc())
        .offset(offset)
        .limit(limit)
    )
    if user_id is not None:
        query = query.where(Invitation.user_id == user_id)
    if invitation_id is not None:
        query = query.where(Invitation.id == invitation_id)
    return [
        InvitationView(inv.id, inv.role, status_at(inv, now), inv.message, a_user, a_name, b_user, b_name,
                       inv.created_at, inv.expires_at, inv.responded_at, inv.decline_reason)
        for inv, a_user, a_name, b_user, b_name in session.execute(query)
    ]
