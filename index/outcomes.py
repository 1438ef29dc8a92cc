"""Outcome tags: what happened to a complaint, as facts a reader counts.

BBB pages: rule-based, read from the business's and the customer's replies ("in how
many complaints was a credit denied?"). Rules work per sentence so that a negation in
one sentence ("a credit adjustment is not warranted") cannot be read as its opposite.
CFPB records: the company's own response category ("Company response to consumer"),
looked up in `CFPB_RESPONSES`; a CFPB record always has one, so it is never
`no_business_response`.
"""

from __future__ import annotations

import re

from .records import Complaint

# name -> (where to look, what it means, patterns). Documented in README.
VOCABULARY: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "adjustment_applied": (
        "business_or_customer",
        "an adjustment, credit or refund was applied",
        (
            r"\b(adjustment|credit|refund)\b[^.]*\b(has been|have been|was|were|is being)\s+(applied|issued|made|processed|added)",
            r"\bappl(ied|y) (a|an)\s+[\w\- ]*(adjustment|credit|refund)",
            r"\b(issued|provided) (a|an)\s+[\w\- ]*(adjustment|credit|refund)",
            r"\bdid credit my account\b|\bcredited my account\b|\brefunded\b",
        ),
    ),
    "credit_denied": (
        "business",
        "a credit or adjustment was refused",
        (
            r"\b(credit|adjustment|refund)\b[^.]*\bnot (warranted|applicable|available|possible)",
            r"\b(unable|not able) to (issue|provide|offer|apply) (a|an|any)?\s*(credit|adjustment|refund)",
            r"\b(credit|adjustment|refund)\b[^.]*\b(denied|declined)\b",
        ),
    ),
    "policy_cited": (
        "business",
        "the business pointed to a policy, terms or business rules",
        (
            r"\bpolicy\b|\bpolicies\b|\bbusiness rules\b|\bterms of service\b|\bterms and conditions\b",
            r"\bin accordance with\b",
        ),
    ),
    "documentation_required": (
        "business",
        "the business asked for documents or proof",
        (
            r"\b(required|requires|require|need|needs|needed|provide|submit)\b[^.]*\b(documentation|documents|proof|lease|identification)\b",
        ),
    ),
    "promotion_applied": (
        "business",
        "a promotion or discount was added",
        (r"\b(promotion|promotional|discount|promo)\b[^.]*\b(added|applied|offered|extended)\b",),
    ),
    "coaching": (
        "business",
        "staff interactions were reviewed for coaching or retraining",
        (r"\bcoaching\b|\bretrain(ing)?\b|\btraining purposes\b",),
    ),
    "no_business_response": ("none", "the business did not respond in the record", ()),
    # CFPB "Company response to consumer" categories (adjustment_applied above is also
    # "Closed with monetary relief"); their labels follow the CFPB's own words.
    "non_monetary_relief": ("cfpb", "closed with non-monetary relief", ()),
    "relief_provided": ("cfpb", "closed with relief", ()),
    "closed_with_explanation": ("cfpb", "closed with an explanation", ()),
    "closed_without_relief": ("cfpb", "closed without relief", ()),
    "closed": ("cfpb", "closed", ()),
    "in_progress": ("cfpb", "the company's response is in progress", ()),
    "untimely_response": ("cfpb", "the company did not respond in time", ()),
    "customer_accepted": (
        "customer",
        "the customer accepted the resolution",
        (
            r"\bresolution is satisfactory\b|\bresolved to my satisfaction\b",
            r"\bcomplaint can be closed\b|\bhas been resolved\b|\bI accept\b",
        ),
    ),
    "customer_rejected": (
        "customer",
        "the customer rejected the business's answer",
        (r"\bI am rejecting\b|\breject(ing)? (this|the) response\b|\bnot satisfied\b|\bdo not accept\b",),
    ),
}

_COMPILED = {
    name: [re.compile(p, re.I) for p in patterns] for name, (_, _, patterns) in VOCABULARY.items()
}
_SENTENCE = re.compile(r"(?<=[.!?])\s+|\n+")
_POSITIVE = ("adjustment_applied", "promotion_applied", "customer_accepted")
_NEGATION = re.compile(r"\b(not|no|never|unable|denied|declined|wouldn't|won't)\b", re.I)


def _sentences(texts: list[str]) -> list[str]:
    return [s for t in texts for s in _SENTENCE.split(t) if s.strip()]


def _matches(name: str, sentences: list[str]) -> bool:
    for sentence in sentences:
        for pattern in _COMPILED[name]:
            match = pattern.search(sentence)
            # A negation inside the matched words ("refund was not applied") voids a positive tag.
            if match and not (name in _POSITIVE and _NEGATION.search(match.group(0))):
                return True
    return False


# CFPB "Company response to consumer" (lowercased) -> tag. Older exports hold the
# retired categories "Closed with relief" / "Closed without relief".
CFPB_RESPONSES = {
    "closed with monetary relief": "adjustment_applied",
    "closed with non-monetary relief": "non_monetary_relief",
    "closed with relief": "relief_provided",
    "closed with explanation": "closed_with_explanation",
    "closed without relief": "closed_without_relief",
    "closed": "closed",
    "in progress": "in_progress",
    "untimely response": "untimely_response",
}


def outcome_label(tag: str) -> str:
    """The human words for a tag, for every place a person reads it."""
    entry = VOCABULARY.get(tag)
    return entry[1] if entry else tag.replace("_", " ")


def tag_outcomes(c: Complaint) -> list[str]:
    from_status = CFPB_RESPONSES.get(" ".join((c.status or "").lower().split()))
    business = _sentences([r.text for r in c.business_responses])
    customer = _sentences([r.text for r in c.customer_answers])
    tags = []
    for name, (where, _, _) in VOCABULARY.items():
        if where == "cfpb":
            hit = False  # only through the status, below
        elif where == "none":
            # A CFPB status is the company's response, even with no public text.
            hit = not c.business_responses and from_status is None
        elif where == "business":
            hit = _matches(name, business)
        elif where == "customer":
            hit = _matches(name, customer)
        else:
            hit = _matches(name, business) or _matches(name, customer)
        if hit or name == from_status:
            tags.append(name)
    return tags
