"""Notices by e-mail: what TraqNext tells people and the DPO, and how it is sent.

``events`` queues a notice for each event (a request received, extended, answered; a request
due within a week or overdue, to the DPO; a new device on an account; repeated failed
sign-ins) in the transaction of the change. ``delivery`` sends the outbox through the SMTP
server ``TRAQ_SMTP_URL`` names, or leaves it for the DPO to read when none is set. No notice
carries captured content: kinds, request numbers, dates and reasons only.
"""

from services.notices.delivery import DeliveryReport, deliver_pending, outbox, smtp_settings
from services.notices.events import (
    deadline_reminders,
    device_enrolled,
    failed_sign_ins,
    request_answered,
    request_extended,
    request_received,
)

__all__ = [
    "DeliveryReport",
    "deadline_reminders",
    "deliver_pending",
    "device_enrolled",
    "failed_sign_ins",
    "outbox",
    "request_answered",
    "request_extended",
    "request_received",
    "smtp_settings",
]
