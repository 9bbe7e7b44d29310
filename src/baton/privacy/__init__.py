"""Privacy: one customer's data exported or erased, and the retention period applied.

Erasing keeps the KPI facts (`handoff_facts`, `kpi_daily`) and the handoffs' shape (status,
queue, reasons, times), and removes what a person wrote or is identified by: turns, customer
fields, conversation metadata, briefs' text and identifiers, tickets, event texts, and the
outbox and webhook rows that carried them.
"""

from baton.privacy.erasure import Erased, erase_conversations, erase_customer
from baton.privacy.export import export_customer
from baton.privacy.retention import apply_retention

__all__ = ["Erased", "apply_retention", "erase_conversations", "erase_customer", "export_customer"]
