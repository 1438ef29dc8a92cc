"""Follow-up questions read against the conversation, by rule (no language model).

"and late fees?" after "How does Charter handle billing disputes?" is not a
question a retriever can answer on its own; it means "How does Charter handle
late fees?". We keep the frame of the previous question and swap its topic.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from index.keywords import terms

from .breakdowns import NUMBER_WORDS, breakdown_asked, business_noun, what_they_are_about
from .query_filters import Implied, leftover
from .question_periods import period_said

Subjects = Callable[[str], list[tuple[str, str]]]

# Openers that say "same question, new subject".
_CONNECTOR = re.compile(
    r"^\s*(?:and|also|plus|or|but|then|now|ok(?:ay)?|so)?\s*,?\s*"
    r"(?:what|how)\s+about\s+|^\s*(?:and|also|plus|or)\s+(?:for\s+|with\s+|about\s+)?"
    r"|^\s*(?:same|the\s+same)\s+(?:question\s+)?(?:for|with|about)\s+|^\s*what\s+of\s+"
    r"|^\s*(?:and\s+)?now\s+(?:for|with|about|do|try)\s+"  # "Now for student loans"
    r"|^\s*(?:and\s+)?any\s+(?:about|regarding|involving|over)\s+",  # "Any about the debit card?"
    re.I)
_QUESTION_START = re.compile(
    r"^(?:how|what|which|why|when|where|who|whom|whose|do|does|did|is|are|was|were|will|would|can|could|"
    r"should|has|have|had|show|list|find|give|tell|summari[sz]e|compare|count)\b", re.I)
# Words that point back at what was discussed before.
_BACK_REFERENCE = re.compile(
    r"\b(?:those|these|the same|such)\s+(?:complaints?|cases?|customers?|issues?|ones?)\b"
    r"|\b(?:of|for|in|among)\s+(?:them|those|these)\b(?!\s+(?:complaints?|cases?|customers?|issues?|ones?))",
    re.I)
# A question that ends on a pronoun ("what did they do about it?") is about the last topic.
_PRONOUN_END = re.compile(r"\b(?:it|that|this|them)(?=(?:\s+(?:best|worst|better|worse|well|badly|poorly|most|least))?"
                          r"\s*$)", re.I)  # "Which company handled it best?"
# After a question, "they" are whoever it was about ("How did they respond?"), "ones" its
# complaints ("the 3 most recent ones"), and a count with no noun counts them ("How many were
# closed with relief?").
_POINTS_BACK = re.compile(r"\b(?:they|them|their|its|ones|those|these)\b"
                          r"|^(?:how\s+many|which|what\s+(?:share|percent(?:age)?|fraction|proportion))\s+"
                          r"(?:were|was|are|got|get|did|have|had|received|in|during|since|from|before|after)\b"
                          # "Were any refunded?", "Did any get relief?": any of them
                          r"|^(?:were|was|did|do|have|has|are|is)\s+any\b(?!\s*(?:one|body|thing)\b)"
                          # "Is it getting worse?", "Has that improved since 2020?": the last topic is
                          # the subject ("Is it common for banks to ...?" and "Is it true that ...?" are new)
                          r"|^(?:is|was|has|have|does|did|will)\s+(?:it|this|that)\b"
                          r"(?!.*\b(?:to|for|that|if|when|whether)\b)"
                          # "How often does that end in relief?"
                          r"|^how\s+(?:often|many\s+times)\s+(?:does|do|did|is|was|has)\s+(?:it|this|that)\b", re.I)
# "What did the companies say?": the businesses of the last question, where the question has no
# topic of its own ("How do the banks handle overdraft fees?" is a new one).
_THE_BUSINESSES = re.compile(r"\bthe\s+(?:compan(?:y|ies)|business(?:es)?|banks?|lenders?|servicers?|collectors?|"
                             r"bureaus?)\b", re.I)
# A ranking that stops at its superlative ("Which bureau got the most?") ranks the last set.
_ELLIPTIC = re.compile(r"\b(?:most|fewest|least|"
                       r"(?:highest|lowest|biggest|smallest)\s+(?:share|rate|percentage|proportion)s?)$", re.I)
# "Which one gets the most?": which of the businesses the last question was about.
_WHICH_ONE = re.compile(r"\b(which|what)\s+(?:ones?|of\s+(?:the\s+|these\s+|those\s+)?(?:two|both|them))\b", re.I)
# "Which one has more complaints?" after questions about two companies: those two, side by side.
_COMPARING = re.compile(r"\b(?:more|fewer|less|most|fewest|least|worse|worst|better|best|highest|lowest|"
                        r"higher|lower|greater|bigger|larger|smaller)\b", re.I)
# "Which state has more?": of the states the last questions named.
_WHICH_STATE = re.compile(r"\b(?:which|what)\s+(?:of\s+the\s+)?(?:two\s+)?states?\b", re.I)
# "Which year had more?": of the periods the last questions named.
_WHICH_PERIOD = re.compile(r"\b(?:which|what)\s+(?:of\s+the\s+)?(?:two\s+)?(?:years?|months?|quarters?|periods?)\b",
                           re.I)
# "And the lowest?" after a question ranked by the highest: the same ranking the other way.
_SUPERLATIVES = r"highest|lowest|most|fewest|least|best|worst|biggest|largest|smallest|fastest|slowest"
_SUPERLATIVE = re.compile(rf"\b(?:{_SUPERLATIVES})\b", re.I)
# "And which is the best?" after "Which bureau is the worst?" too.
_OPPOSITE = re.compile(rf"^(?:(?:which|what)(?:\s+one)?\s+(?:is|are|was|were|has|had|gets?|got)\s+)?(?:the\s+)?"
                       rf"(?P<word>{_SUPERLATIVES})(?:\s+(?:ones?|common|frequent))?$", re.I)
# "How does that compare to Equifax?", "Compare them with TransUnion": the last question about both.
# "Compared to Georgia?", "versus Nelnet?": the same, said short.
_COMPARE_TO = re.compile(r"^(?:how\s+(?:does|do|did|would)\s+(?:that|this|it|they|those|these)\s+compare|"
                         r"(?:(?:and|but)\s+)?(?:as\s+)?compared?(?:\s+(?:that|this|it|them|those|these))?|"
                         r"(?:and\s+)?(?:versus|vs\.?))"
                         r"\s+(?:(?:to|with|against)\s+)?(?P<other>.+)$",
                         re.I)
# "Which company is most common there?": where the last question was.
# Not "How many are there?".
_THERE = re.compile(r"(?<!\bare)(?<!\bis)(?<!\bwere)(?<!\bwas)\s+(?:in\s+)?there(?=\s*$)", re.I)
# "What percentage?", "How many?", "What share?": the count of the last set, nothing more.
_SHARE_ONLY = re.compile(r"^(?:(?:what|which)\s+(?:percent(?:age)?|share|proportion|fraction)|how\s+(?:many|often))"
                         r"(?:\s+of\s+(?:them|those|these)|\s+(?:is|was|are|were)\s+(?:that|this|it|they|those)"
                         # "How many complaints say so?"
                         r"|(?:\s+(?:complaints|people|customers|consumers|of\s+them))?\s+(?:say|said|says)\s+so)?$",
                         re.I)
# "Give me 3 examples", "Show me more", "the oldest?": more of the last set, or its other end.
_EXAMPLES_ONLY = re.compile(r"^(?:(?:give|show|find|list)\s+(?:me\s+|us\s+)?)?"
                            rf"(?:(?:{NUMBER_WORDS}|some|more|a\s+few|other)\s+)?(?:more\s+)?"
                            r"(?:examples?|complaints|cases|ones|more)$"
                            r"|^(?:(?:give|show)\s+(?:me\s+|us\s+)?)?the\s+(?:\d{1,2}\s+)?"
                            r"(?:oldest|earliest|newest|latest|most\s+recent)(?:\s+ones?)?$", re.I)
# "How many of those were in California?", "Which ones came after 2020?", "How many of those were
# at Experian?": the last set, narrowed to a place, a period or a company, asked as the last
# question itself with it, so that the set is searched from the same words and only narrowed.
_COUNT_NARROWED = re.compile(r"^(?:how\s+many|which|what\s+(?:share|percent(?:age)?|fraction|proportion))\s+"
                             r"(?:(?:of\s+)?(?:them|those|these|ones)(?:\s+(?:complaints?|cases?|ones))?\s+)?"
                             r"(?:(?:were|was|are|is|came|come|happened|filed)\s+)?"
                             r"(?P<rest>(?:in|during|since|from|before|after|between|(?P<whom>at|against|with))\b.+)$",
                             re.I)
# "How many were closed with relief?", "Did any of them get an adjustment?": the last set, narrowed
# to how its complaints ended, asked as the last question with the ending (see `narrows_by_ending`).
_ENDED = re.compile(r"^(?:how\s+many|which(?:\s+ones)?|what\s+(?:share|percent(?:age)?|fraction|proportion)|"
                    r"(?:did|were|are|do|have|has)\s+any|how\s+often\s+(?:does|do|did|is|are|was|were)\s+"
                    r"(?:that|this|it|they))\s+(?:(?:of\s+)?(?:them|those|these|ones)(?:\s+complaints?)?\s+)?"
                    r"(?P<rest>(?:(?:were|was|got|get|gets|have|had|received?|ended|end|ever|been)\b\s*)*.+)$", re.I)
_ENDING_KINDS = ("status", "outcome")
# "Show me the ones from California", "Only the ones that got relief", "Any from servicemembers?",
# "Any that got money back?":
# the last set narrowed, said as "Which ones from California" is (`_as_which_ones`).
_SHOW_ONES = re.compile(r"^(?:(?:(?:show|give|list|find)\s+(?:me\s+|us\s+)?(?:only\s+)?|only\s+|just\s+)(?:the\s+)?"
                        r"(?:ones|those|these|complaints|cases)\s+(?:(?:that|which|who)\s+)?"
                        r"|any\s+(?:(?:that|which|who)\s+|(?=(?:from|in|during|since|before|after|at|with)\b)))"
                        r"(?P<rest>.+)$", re.I)


# "Which ones weren't?", "And the rest?": the last set's other complaints, where it was narrowed
# to how they ended.
_THE_REST = re.compile(r"^(?:(?:which(?:\s+ones)?|the\s+ones\s+that)\s+(?:weren't|were\s+not|wasn't|didn't|did\s+not|"
                       r"haven't|hadn't)|(?:the\s+)?(?:rest|others|other\s+ones|remaining\s+ones))$", re.I)


def _the_rest(previous: str, subjects: Subjects) -> str | None:
    """The last question with the status it named negated ("How many complaints were not
    resolved?"), or None where it named no one status or already negated it."""
    said = [words for kind, words in subjects(previous) if kind == "status"]
    # or how the last follow-up said it ended, in brackets: "... (were resolved)?"
    ended = re.search(r"\((?P<ended>(?:were|was|got|have|had|received?|ended)\b[^()]*)\)\?*$", previous, re.I)
    said = said or ([ended.group("ended")] if ended else [])
    at = previous.find(said[0]) if len(said) == 1 else -1
    if at < 0 or re.search(r"(?i)(?:\b(?:not|never|without)|n't)\s+$", previous[:at]):
        return None
    # "were resolved" -> "were not resolved", "got relief" -> "did not get relief"
    words = said[0]
    aux = re.match(r"(?i)(?:were|was|are|is|(?:have|has|had)\s+been)\s+", words)
    got = re.match(r"(?i)(?:got|get|gets|received?)\s+", words)
    negated = (words[:aux.end()] + "not " + words[aux.end():] if aux else
               "did not get " + words[got.end():] if got else "not " + words)
    return f"{_strip(previous[:at] + negated + previous[at + len(words):])}?"


def _ranks_its_businesses(text: str, history) -> bool:
    """"Which lender is most flexible?" right after a question about lenders: that set's lenders
    ranked, not a new question about flexibility."""
    questions = _previous_questions(history)
    noun, last = business_noun(text), business_noun(questions[-1]) if questions else None
    return bool(noun and last and terms(noun) == terms(last) and re.match(r"(?i)(?:which|what)\b", text)
                and _COMPARING.search(text))


_ANY_THAT = re.compile(r"^any\s+(?:that|which|who)\b", re.I)  # "Any that got money back?": of the last set


def _as_which_ones(fragment: str) -> str:
    """A fragment that narrows the last set in other words, as "Which ones ..." asks it, where that
    is a narrowing read as such (`_COUNT_NARROWED`, `_ENDED`); else the fragment."""
    match = _SHOW_ONES.match(fragment)
    if not match:
        return fragment
    which = f"Which ones {match.group('rest')}"
    return which if _COUNT_NARROWED.match(which) or _ENDED.match(which) else fragment
# "Why?", "How so?": the reasons are what the last set's complaints say; the same question again.
_WHY = re.compile(r"^(?:why|how\s+so|why\s+(?:is|was)\s+that|in\s+what\s+way)$", re.I)
# A fragment that only narrows ("in 2024?", "for unresolved ones?") keeps the whole previous question.
_NARROWING = re.compile(r"^(?:any\s+(?:from|in|during|since|before|after|by)\s|in|during|since|before|after|until|"
                        r"from|between|for|with|without|among|only|just)\b", re.I)
# A fragment that is only a period ("2019?", "March 2024?", "Q2 2023?") narrows the last question to it.
_PERIOD = re.compile(r"^(?:(?:the\s+)?(?:first|second|third|fourth|last|1st|2nd|3rd|4th)\s+(?:half|quarter)\s+"
                     r"(?:of\s+)?|q[1-4]\s+|[A-Za-z]{3,9}\.?\s+)?(?:19|20)\d\d$", re.I)
# Where the topic of a question starts: after the verb of handling, or after "about". "credit"
# and "bill" only in forms that cannot be nouns ("credit bureaus", "my bill went up"); "resolved
# with relief" says how it ended, not what about.
_TOPIC_AFTER = re.compile(
    r"\b(?:handles?|handled|handling|deals?\s+with|dealt\s+with|respond(?:s|ed)?\s+to|treats?|treated|"
    r"address(?:es|ed)?|resolves?|resolved|waives?|waived|charges?|charged|refunds?|refunded|"
    r"credited|billed|explain(?:s|ed)?|justif(?:y|ies|ied))\s+(?!with\b)(?P<topic>.+)$"
    r"|\b(?:about|regarding|concerning|over|involving|mentioning|on)\s+(?P<topic2>.+)$"
    # "What are their fees?": what is asked of them is the topic
    r"|^(?:what|how\s+(?:much|high))\s+(?:are|is|were|was)\s+(?:their|its|the)\s+(?P<topic3>.+)$",
    re.I)
_TRAILING = re.compile(r"[\s?.!]+$")


_WHO_OR_WHAT = ("company", "product", "state")  # subjects "they" can be (not how complaints ended)


def _whole(words: str) -> str:
    """The pattern of `words` as whole words, in any case ("car" is not in "card")."""
    return rf"(?i)(?<!\w){re.escape(words)}(?!\w)"


def _strip(text: str) -> str:
    return _TRAILING.sub("", text.strip())


def topic_of(question: str) -> tuple[str, str] | None:
    """(frame, topic) of a standalone question, e.g. ("How does Charter handle", "billing disputes").
    A resolved follow-up carries the context it kept in brackets ("How did they respond (about
    identity theft) (Equifax)?"): its topic is its own words', else the bracket's."""
    text = _strip(question)
    bare = _strip(re.sub(r"\s*\([^()]*\)", "", text))
    found = _topic(bare)
    # "Which of the two resolves more of them (about identity theft disputes)?": a topic of
    # pointing words alone ("more of them") is the bracket's.
    if found and (leftover(found[1], []) or "(" not in text):
        return found
    for inner in re.findall(r"\(([^()]*)\)", text):
        found = _topic(inner)
        if found:
            return f"{bare} about", found[1]
    return None


def _own_topic(fragment: str) -> bool:
    """Whether a fragment has a topic of its own: not "How did they respond?", nor "What was the
    outcome?", whose topic is a word of asking."""
    found = topic_of(fragment)
    return found is not None and bool(leftover(found[1], []))


def _topic(text: str) -> tuple[str, str] | None:
    match = _TOPIC_AFTER.search(text)
    if not match:
        return None
    start = match.start(next(name for name in ("topic", "topic2", "topic3") if match.group(name)))
    topic = text[start:].strip()
    if re.search(r"(?i)\bof\s+the\s+complaints\s+about$", text[:start].rstrip()):
        # "How many of the complaints about late fees were in Texas?" (a follow-up's "of those",
        # `_swap_reference`): the complaints' topic ends where what is asked of them begins.
        topic = re.split(r"(?i)\s+(?:were|was|are|is|got|get|have|had)\s+", topic, maxsplit=1)[0]
    return (text[:start].rstrip(), topic) if topic else None


# "How did Capital One respond?": an answer with nothing answered is an answer to the last topic.
_ANSWERED_END = re.compile(r"\b(?:respond(?:ed|s)?|react(?:ed|s)?|repl(?:y|ied|ies)|answer(?:ed|s)?)\s*[?.!]*\s*$", re.I)


def is_followup(question: str, history: list | None) -> bool:
    if not history:
        return False
    text = _strip(question)
    if (_CONNECTOR.search(text) or _BACK_REFERENCE.search(text) or _PRONOUN_END.search(text) or _ANSWERED_END.search(text)
            or _POINTS_BACK.search(text) or _EXAMPLES_ONLY.match(text) or _WHY.match(text) or _ANY_THAT.match(text)
            or (_WHICH_ONE.search(text) and _COMPARING.search(text))
            or _THERE.search(text) or _COMPARE_TO.match(text) or _ranks_its_businesses(text, history)
            or (_THE_BUSINESSES.search(text) and topic_of(text) is None)):
        return True
    # A bare noun phrase ("late fees?") right after a question continues it, and so does a short
    # question that only asks how the last set breaks down ("Which companies?", "By year?"), and
    # a question with no words of its own beyond asking ("What was the outcome?", "What happened?";
    # "How many complaints are there?" and "How many companies are in the index?" name what they
    # count: the whole index).
    return (_ranks_the_last(text) or (len(text.split()) <= 3 and not _QUESTION_START.search(text))
            or (bool(_QUESTION_START.search(text)) and not _SAYS_COMPLAINTS.search(text)
                and not _THE_INDEX.search(text) and not leftover(text, [])))


_SAYS_COMPLAINTS = re.compile(r"\b(?:complaints?|cases?)\b", re.I)


def _ended(fragment: str, subjects: Subjects | None) -> str | None:
    """The words of a fragment that only narrow the last set by how its complaints ended ("were
    closed with relief"), or None: a fragment with anything else in it is a question of its own."""
    match = _ENDED.match(fragment)
    if not match or subjects is None:
        return None
    named = subjects(fragment)  # the whole fragment: "Were any resolved?" says how it ended as a whole
    if not named or any(kind not in _ENDING_KINDS for kind, _ in named):
        return None
    rest = _without_subjects(match.group("rest"), named)
    leftover = re.sub(r"(?i)\b(?:were|was|got|get|gets|have|had|received?|ended|end|ever|been|with|a|an|any|"
                      r"the|some|up|in|by|them|it|that|this)\b", " ", rest)
    return match.group("rest") if not re.search(r"\w", leftover) else None


def narrows_by_ending(question: str, history: list | None, subjects: Subjects | None) -> str | None:
    """Where a follow-up narrows the last set to how its complaints ended ("How many were closed
    with relief?"): a part of that set, its topic decided by the last question's words. The
    follow-up whose own words say the ending (this one, or for "What percentage is that?" the one
    it asks again), else None."""
    return _narrows(question, history, lambda fragment: _ended(fragment, subjects) is not None)


def narrows_to_whom(question: str, history: list | None) -> bool:
    """Whether a follow-up narrows the last set to the businesses it names ("How many of those
    were at Experian?"): a part of that set, as a place or a period is, not a new question about
    that company, whose own complaints could vote for another topic."""
    return _narrows(question, history, lambda fragment: bool(
        (narrowed := _COUNT_NARROWED.match(fragment)) and narrowed.group("whom"))) is not None


def _narrows(question: str, history: list | None, test: Callable[[str], bool]) -> str | None:
    """The follow-up whose fragment passes `test`: this one, or where it asks the last question
    again ("What percentage is that?", "Why?", "Show me more") or only how its set breaks down
    ("Which year had the most?"), the last one as it narrowed."""
    questions = _previous_questions(history)
    if not questions or not is_followup(question, questions):
        return None
    fragment = _as_which_ones(_strip(_CONNECTOR.sub("", _strip(question), count=1)) or _strip(question))
    if (_SHARE_ONLY.match(fragment) or _WHY.match(fragment) or _EXAMPLES_ONLY.match(fragment)
            or (_ranks_the_last(fragment) and not test(fragment))):
        return _narrows(questions[-1], questions[:-1], test)
    return question if test(fragment) else None


def _ranks_the_last(text: str) -> bool:
    """"Which companies?", "By year?", "Which bureau got the most?", "What percentage?": a short
    question that only asks how a set breaks down or what share it is, or a ranking that stops at
    its superlative."""
    short = len(text.split()) <= 3 or bool(_ELLIPTIC.search(text))
    asked = breakdown_asked(text)
    # "What's the average per company?", "Which states had none?": nothing asked beyond the
    # breakdown, and no word for complaints, so it is of the last set's ("Which states are they
    # from?", "... handled it best?" and "What products are there?" point by themselves: `standalone`).
    pointing = (any(p.search(text) for p in (_POINTS_BACK, _PRONOUN_END, _BACK_REFERENCE))
                or re.search(r"\bthere\b", text, re.I) or _THE_INDEX.search(text))
    elliptic = (asked is not None and not pointing and not re.search(r"\bcomplaints?\b", text, re.I)
                and not leftover(text, [Implied("by", asked.field, asked.phrase)]))
    # "What were they about?": the last set by its categories.
    return (bool(_SHARE_ONLY.match(text)) or (asked is not None and (short or elliptic))
            or bool(what_they_are_about(text)))


# "How many companies are in the index?" asks of the whole index, not of the last set.
_THE_INDEX = re.compile(r"\b(?:the|this|your|our)\s+(?:index|database|data\s*set|data)\b", re.I)


def _base(previous: str) -> str:
    """The last question without a breakdown a follow-up asked of it ("Complaints about student
    loans: By state?", "...: Break them down by state?" -> "Complaints about student loans"), so
    that the next one replaces it."""
    head, _, tail = _strip(previous).rpartition(": ")
    asks_of_it = (_ranks_the_last(tail) or breakdown_asked(tail)
                  or (_WHICH_ONE.search(tail) and _COMPARING.search(tail))  # "...: Which one has more?"
                  or _EXAMPLES_ONLY.match(re.sub(r"(?i)\s+ones$", "", tail)))
    return head if head and asks_of_it else _strip(previous)


def split_asked(question: str, standalone_question: str) -> tuple[str, str]:
    """(the words to search, what is asked of the set they find) for a follow-up's standalone
    question: where it only asks how the last set breaks down, or for more of it ("...: Which
    types?", "...: What were they about?", "...: Give me 3 examples"), the last question's own
    words and the fragment, so that the set is the same one (the fragment's words moved the
    vector: a set decided by relevance lost 4 of its 4 complaints) and the breakdown the
    fragment's; else the whole question and ""."""
    if standalone_question == question.strip():
        return standalone_question, ""
    head = _base(standalone_question)
    if head == _strip(standalone_question):
        return standalone_question, ""
    return head + "?", _strip(standalone_question)[len(head):].lstrip(": ")


def _previous_questions(history) -> list[str]:
    """The user's earlier questions, from (user, assistant) pairs or Gradio message dicts."""
    out = []
    for item in history or []:
        if isinstance(item, dict):
            if item.get("role") == "user" and isinstance(item.get("content"), str):
                out.append(item["content"])
        elif isinstance(item, str):
            out.append(item)
        elif isinstance(item, (list, tuple)) and item and isinstance(item[0], str):
            out.append(item[0])
    return out


def _before_last(history) -> list:
    """The history before its last question, in the shape it came in (answers kept: "What did the
    top one say?" reads the answer before it when a later follow-up resolves it again)."""
    items = list(history or [])
    for i in range(len(items) - 1, -1, -1):
        if not isinstance(items[i], dict) or items[i].get("role") == "user":
            return items[:i]
    return []


def _last_answer(history) -> str:
    """The assistant's last answer, from (user, assistant) pairs or Gradio message dicts."""
    for item in reversed(history or []):
        if isinstance(item, dict):
            if item.get("role") == "assistant" and isinstance(item.get("content"), str):
                return item["content"]
        elif isinstance(item, (list, tuple)) and len(item) > 1 and isinstance(item[1], str):
            return item[1]
    return ""


# "What did the top one say?", "Show me the most common issue": the first value of the breakdown
# the last answer listed.
_TOP_ONE = re.compile(r"\b(?:the|that|this)\s+(?:top|first|most\s+common|biggest|largest|leading|main)\s+"
                      r"(?:one|issue|problem|company|business|state|product|category|type|reason)\b", re.I)
# The breakdown an answer lists first, as `answer_evidence.whole_set_lines` writes it: "Over the
# whole set: issues: Incorrect information on your report 27% (214); ...".
_LISTED = re.compile(r"Over the whole set: (?P<name>[a-z-]+)(?: by their own rate \([^)]*\)|"
                     r" with [^:]*?: [\d,]+ in all, the most first| with the fewest)?: "
                     r"(?P<value>[^;·]+?) (?:<1%|\d+(?:\.\d+)?%) \(")
_LISTED_FIELDS = {"states": "state", "products": "product", "sub-products": "sub_product", "issues": "issue",
                  "sub-issues": "sub_issue", "tags": "tags", "types": "type", "companies": "company"}


def _top_listed(fragment: str, previous: str, history, subjects: Subjects | None) -> str | None:
    """"What did the top one say?" after "What are the most common issues in Texas?": the
    fragment about the first value the last answer listed, where and whom the last question was
    about kept beside it."""
    pointer = _TOP_ONE.search(fragment)
    listed = _LISTED.search(_last_answer(history)) if pointer else None
    field = _LISTED_FIELDS.get(listed.group("name")) if listed else None
    if not field:
        return None
    value = listed.group("value").replace("\u2060", "").strip()
    said = value if field == "company" else f"complaints from {value}" if field == "state" else (
        f"complaints about {value}")
    asked = f"{fragment[:pointer.start()]}{said}{fragment[pointer.end():]}"
    period = period_said(previous)
    if period and period[0] not in asked:
        asked += f" {period[0]}"
    kinds = tuple(k for k in ("company", "state", "product") if k != field)
    return asked + _context(previous, asked, subjects, kinds) + "?"


def standalone(question: str, history: list | None, subjects: Subjects | None = None) -> str:
    """The question as it would be asked on its own; unchanged when it is not a follow-up.
    `subjects(text)`: the companies, products and states a text names, as (kind, words) (see
    `_swap` and `_context`)."""
    questions = _previous_questions(history)
    question = question.strip()
    if questions and _TOP_ONE.search(question):
        top = _top_listed(_strip(question), standalone(questions[-1], _before_last(history), subjects), history,
                          subjects)
        if top:
            return top
    if not questions or not is_followup(question, questions):
        return question
    text = _strip(question)
    if (subjects and _points_at_whom(text) and len(text.split()) > 3 and not _CONNECTOR.search(text)
            and not _BACK_REFERENCE.search(text) and not _PRONOUN_END.search(text)
            and any(kind in _WHO_OR_WHAT for kind, _ in subjects(text))):
        # "Do debt collectors call people at work when they're told not to?", "How does Equifax
        # handle its disputes?": "they" and "its" are the question's own subject, not the last one's.
        return question
    # The previous question may itself have been a follow-up: resolve it first.
    previous = standalone(questions[-1], _before_last(history), subjects)
    fragment = _as_which_ones(_strip(_CONNECTOR.sub("", text, count=1)) or text)
    if _WHY.match(fragment):
        return _strip(previous) + "?"
    rest = _the_rest(previous, subjects) if subjects and _THE_REST.match(fragment) else None
    if rest:
        return rest
    if _ranks_its_businesses(fragment, questions):  # "Which lender is most flexible?"
        return f"{_base(previous)}: {fragment}?"
    compared = _compared(previous, fragment, subjects) if subjects else None
    if compared:
        return compared
    ended = _ended(fragment, subjects)
    if ended:  # in brackets: how it ended is no part of the last topic ("What did they say?" next)
        return f"{_base(previous)} ({ended})?"
    if _LEAVING_OUT.match(fragment):  # "What about excluding Equifax?": the last set less it
        return _keeping_asked(previous, lambda base: f"{base}, {fragment}")
    narrowed = _COUNT_NARROWED.match(fragment)
    if narrowed:
        return f"{_in_period(_base(previous), narrowed.group('rest'))}?"
    if _EXAMPLES_ONLY.match(fragment) and not _POINTS_BACK.search(fragment):  # "ones": read below
        ends = re.search(r"(?i)\b(?:oldest|earliest|newest|latest|most\s+recent)$", fragment)
        return f"{_base(previous)}: {fragment}{' ones' if ends else ''}?"
    if subjects and _WHICH_ONE.search(fragment) and _COMPARING.search(fragment):
        named = _named(questions, subjects)
        if len(named) >= 2:  # "Which one has more complaints?" after Navient, then Nelnet
            return (_of_both(previous, fragment, named[-2:], "company", subjects)
                    or f"{_about_last(fragment, previous, subjects)} ({' or '.join(named[-2:])})?")
    if subjects and _WHICH_STATE.search(fragment) and _COMPARING.search(fragment):
        named = _named(questions, subjects, "state")
        if len(named) >= 2:  # "Which state has more?" after Georgia, then Florida
            return (_of_both(previous, fragment, named[-2:], "state", subjects)
                    or f"{_about_last(fragment, previous, subjects)} ({' or '.join(named[-2:])})?")
    if _WHICH_PERIOD.search(fragment) and _COMPARING.search(fragment) and len(questions) >= 2:
        both = _of_both_periods(previous, standalone(questions[-2], _before_last(_before_last(history)), subjects))
        if both:  # "Which year had more?" after 2023, then 2019
            return f"{both}: {fragment}?"
    opposite = _OPPOSITE.match(fragment)
    if opposite:  # "And the lowest?" after "Which company has the highest relief rate?"
        base = _base(previous)
        # "...: Which bureau is the worst?": the superlative is what was asked of the set
        base = base if _SUPERLATIVE.search(base) else _strip(previous)
        said = _SUPERLATIVE.search(base)
        if said and said.group(0).lower() != opposite.group("word").lower():
            return f"{base[:said.start()]}{opposite.group('word').lower()}{_TRAILING.sub('', base[said.end():])}?"
    if _THERE.search(fragment) and not _QUESTION_START.fullmatch(_THERE.sub("", fragment)):
        return f"{_base(previous)}: {_THERE.sub('', fragment)}?"
    swapped = _swap(previous, fragment, subjects) if subjects else None
    if swapped:
        return swapped
    parts = topic_of(_base(previous))

    noun = business_noun(previous)
    if noun and _WHICH_ONE.search(fragment) and _ELLIPTIC.search(fragment):
        # "Which one gets the most?" after a question about credit bureaus: which bureau.
        fragment = _WHICH_ONE.sub(lambda m: f"{m.group(1)} {noun}", fragment, count=1)
    if _SHARE_ONLY.match(fragment):  # "What percentage is that?": every answer gives the set's share
        return f"{_base(previous)}?"
    if _ranks_the_last(fragment):
        return f"{_base(previous)}: {fragment}?"
    # ... or a short one with no words of its own ("What happened?"): not a topic to swap in.
    if _QUESTION_START.search(fragment) and (len(fragment.split()) > 3 or _POINTS_BACK.search(fragment)
                                             or not leftover(fragment, [])):
        # A whole question that points back ("how many of those were resolved?"): the last
        # topic where it points, and whom or where the last question was about beside it.
        if parts and _PRONOUN_END.search(fragment):
            asked = _PRONOUN_END.sub(parts[1], fragment, count=1)
            if not leftover(fragment, []) and _topic(asked) is None:
                # "What happened to them?" asks nothing of its own, and its pronoun stands where
                # no topic goes ("to mortgages" names no product, where "about mortgages" did):
                # the last topic beside it, as said there.
                asked = f"{fragment} (about {parts[1]})"
        elif parts and _BACK_REFERENCE.search(fragment):
            asked = _BACK_REFERENCE.sub(lambda m: _swap_reference(m.group(0), parts[1]), fragment, count=1)
        elif parts and not _own_topic(fragment):  # "How did they respond?", "What was the outcome?"
            if (subjects and _ANSWERED_END.search(fragment) and subjects(fragment)
                    and not terms(_without_subjects(parts[1], subjects(parts[1])))):
                # "How did TransUnion respond?" after a question about Equifax: no topic to carry
                return question
            asked = f"{fragment} (about {parts[1]})"
        elif parts:
            asked = fragment
        else:
            return f"{fragment} ({_strip(previous)})?"
        # "they" are the businesses (whom, about what, where), not how the complaints ended;
        # "ones", "those" and a count with no noun are the last set, ended as it was.
        return asked + _context(previous, asked, subjects, _WHO_OR_WHAT if _points_at_whom(fragment) else None) + "?"
    if _NARROWING.search(fragment):
        return _keeping_asked(previous, lambda base: _in_period(base, fragment))
    if _PERIOD.search(fragment):
        return _keeping_asked(previous, lambda base: _in_period(base, "in " + fragment))
    if parts:
        # The new topic in the old one's place, what was asked of it after it kept: "What about late
        # fees?" after "Did any of the complaints about cancellations get an adjustment?"
        base = _strip(_base(previous))
        at = base.rfind(parts[1]) if base.startswith(parts[0]) else -1
        asked = f"{parts[0]} {fragment}" if at < 0 else base[:at] + fragment + base[at + len(parts[1]):]
        if not _POINTS_BACK.search(fragment):
            # Whom, what and where the last question was about stay: "What about people who
            # couldn't keep up with the payments?" after a question about mortgage servicers.
            return asked + _context(previous, asked, subjects) + "?"
        # "How about their credit cards?" after a question about Capital One: the company's; "ones
        # that threatened ..." after a question about debt collectors: its complaints, product and all.
        kinds = ("company", "state") if _points_at_whom(fragment) else None
        return asked + _context(previous, asked, subjects, kinds) + "?"
    return f"{_strip(previous)}: {fragment}?"


# A fragment that leaves something out of the last set, not a new topic in its place.
_LEAVING_OUT = re.compile(r"(?:but\s+)?(?:excluding|except(?:\s+for)?|other\s+than|apart\s+from|besides|without|"
                          r"not\s+(?:about|in|from|at|for|mentioning|counting|including))\b", re.I)


def _compared(previous: str, fragment: str, subjects: Subjects) -> str | None:
    """"How does that compare to Equifax?" after "What are the top complaints against Experian?":
    the last question about both companies, which the answer then sets side by side; "... to
    2023?" after a question about 2019, about both years."""
    match = _COMPARE_TO.match(fragment)
    if not match:
        return None
    # "How does that compare to 2023?" after "... in 2019": both periods, counted apart by year.
    new, old = period_said(match.group("other")), period_said(previous)
    if new and old and new[1] != old[1]:
        return re.sub(_whole(old[0]), lambda m: f"{m.group(0)} versus {new[0]}", _strip(previous), count=1) + "?"
    # Two companies, two states or two products: whichever the previous question named one of.
    for kind in ("company", "state", "product"):
        other = [words for said, words in subjects(match.group("other")) if said == kind]
        last = [words for said, words in subjects(previous) if said == kind]
        if other and last and other[0].lower() != last[0].lower():
            return re.sub(_whole(last[0]), lambda m: f"{m.group(0)} and {other[0]}", _strip(previous), count=1) + "?"
    return None


def _of_both(previous: str, fragment: str, named: list[str], kind: str, subjects: Subjects) -> str | None:
    """"Which one has more?" after "How does Navient handle forbearance?" and "What about Nelnet?":
    the last question about both, the fragment asked of it ("How does Navient and Nelnet handle
    forbearance: Which one has more?"), so that the set is the two questions' sets together and
    the fragment's words are no topic (`split_asked`). None where the last question does not name one."""
    base = _base(previous)
    last = [words for said, words in subjects(base) if said == kind]
    other = [n for n in named if last and n.lower() != last[0].lower()]
    if not other:  # none named there, or only that one
        return None
    if re.search(_whole(other[0]), base):  # "Compared to California?" said both
        return f"{_strip(base)}: {fragment}?"
    both = re.sub(_whole(last[0]), lambda m: f"{other[0]} and {m.group(0)}", _strip(base), count=1)
    return f"{both}: {fragment}?"


def _keeping_asked(previous: str, change: Callable[[str], str]) -> str:
    """The last question changed, what a follow-up asked of it kept after it: "excluding Equifax"
    after "...: Which servicer gets the most?" is "..., excluding Equifax: Which servicer gets the
    most?", so that the set is searched without the ranking's words (`split_asked`)."""
    base = _base(previous)
    return f"{change(base)}{_strip(previous)[len(base):]}?"


def _in_period(previous: str, narrowing: str) -> str:
    """The previous question narrowed by the fragment ("in Texas"). A period where the previous
    question named one takes its place: "And in 2023?" after "... the most complaints in 2019?" is
    2023, not 2019 and 2023 (which holds nothing); "until 2022" after "since 2020" keeps both ends,
    "before 2020" after it is the other side."""
    new, old = period_said(narrowing), period_said(previous)
    ends = {**old[1], **new[1]} if new and old else {}
    if new and old and (new[1].keys() & old[1].keys() or "periods" in old[1]
                        or ends.get("since", "") > ends.get("until", "9")):
        rest = " ".join(narrowing.replace(new[0], " ").split())
        replaced = re.sub(_whole(old[0]), lambda _: new[0], previous, count=1)
        if replaced != previous:
            return f"{_strip(replaced)} {rest}" if rest else _strip(replaced)
    return f"{_strip(previous)} {narrowing}"


def _about_last(fragment: str, previous: str, subjects: Subjects) -> str:
    """The fragment about the last question's topic, where that topic is more than the companies
    being compared: "Which of the two resolves more of them?" after "How does Experian handle
    identity theft disputes?" asks about identity theft disputes."""
    parts = topic_of(_base(previous))
    if parts is None:
        return fragment
    rest = _without_subjects(parts[1], subjects(parts[1]))
    if not re.search(r"\w", rest):  # "What do people say about Equifax?": the company was the topic
        return fragment
    if _BACK_REFERENCE.search(fragment):
        return _BACK_REFERENCE.sub(lambda m: _swap_reference(m.group(0), parts[1]), fragment, count=1)
    return fragment if topic_of(fragment) else f"{fragment} (about {parts[1]})"


def _without_subjects(text: str, named: list[tuple[str, str]]) -> str:
    """The text with the companies, products and states it names (and their "'s") blanked out."""
    for _, words in named:
        text = re.sub(rf"(?i)(?<!\w){re.escape(words)}(?:'s|\u2019s)?(?!\w)", " ", text)
    return text


def _points_at_whom(fragment: str) -> bool:
    """Whether the fragment's first word pointing back is "they", "them", "their" or "its": the
    businesses, not the complaints ("ones", "those")."""
    pointer = _POINTS_BACK.search(fragment)
    return pointer is not None and re.fullmatch(r"(?i)they|them|their|its", pointer.group(0)) is not None


def _of_both_periods(previous: str, before: str) -> str | None:
    """The last question asked of its own period and the one the question before it named ("How
    many complaints in 2023 and in 2019 were about identity theft"), or None."""
    base = _base(previous)
    last, other = period_said(base), period_said(_base(before))
    if not last or not other or last[1] == other[1] or last[0] not in base:
        return None
    return _strip(base.replace(last[0], f"{other[0]} and {last[0]}", 1))


def _named(questions: list[str], subjects: Subjects, kind: str = "company") -> list[str]:
    """The companies (or states) the last two questions named, each as they resolve, oldest first."""
    named: list[str] = []
    for n in range(max(0, len(questions) - 2), len(questions)):
        for said_kind, words in subjects(standalone(questions[n], questions[:n], subjects)):
            if said_kind == kind and words not in named:
                named.append(words)
    return named


def _context(previous: str, asked: str, subjects: Subjects | None, kinds: tuple[str, ...] | None = None) -> str:
    """The companies, states and products (or only `kinds`) the previous question named that the
    new one does not name itself nor already carries: " (Navient)", " (in Texas)", " (about
    mortgages)"."""
    if subjects is None:
        return ""
    own = {kind for kind, _ in subjects(asked)}
    lead = {"state": "in ", "product": "about ", "tags": "from "}
    carried = [lead.get(kind, "") + words for kind, words in subjects(previous)
               if kind not in own and (kinds is None or kind in kinds)]
    return f" ({', '.join(dict.fromkeys(carried))})" if carried else ""


def _swap(previous: str, fragment: str, subjects: Subjects) -> str | None:
    """"and TransUnion?" after "How does Equifax handle identity theft disputes?" asks the same
    question about TransUnion, not about both, nor "How does Equifax handle TransUnion?". Where
    the fragment names a company or product and the previous question named one of the same
    kind, the fragment's words take the place of the previous question's; words beside the name
    ("and TransUnion's fees?") take the place of its topic too."""
    new = subjects(fragment)
    rest = _without_subjects(fragment, new)
    if not new:
        return None
    rest = " ".join(re.sub(r"(?i)\b(?:the|a|an|and|or|for|with|about|of|at|to|on|in|from|ones?|complaints?)\b", " ",
                           rest).split())
    old, said = {}, {}
    for kind, words in subjects(previous):
        old.setdefault(kind, words)
        said.setdefault(kind, []).append(words)
    out, changed = previous, False
    for kind in dict.fromkeys(kind for kind, _ in new):
        if kind not in old:
            if kind in ("company", "state") and not rest:
                # Whom or where, not what: "What about Texas?" narrows the last question
                # ("... about debt collection in Texas"), where "and mortgages?" is its new topic.
                words = " and ".join(w for k, w in new if k == kind)
                out = f"{_strip(out)} {'in ' if kind == 'state' else 'at '}{words}"
                changed = True
            continue
        words = " and ".join(w for k, w in new if k == kind)
        listed = _listed_span(out, said[kind])
        if listed:  # "What about Experian?" after "Equifax and TransUnion": the whole list gives way
            out = out[:listed[0]] + words + out[listed[1]:]
        else:
            out = re.sub(_whole(old[kind]), lambda _: words, out, count=1)
        changed = True
    if not changed:
        return None
    if rest:
        # "and TransUnion's fees?": the new subject in the same frame, with the fragment's topic.
        parts = topic_of(out)
        if (parts is None or _QUESTION_START.search(fragment) or _PRONOUN_END.search(rest)
                or any(w.lower() in parts[1].lower() for _, w in new)):
            return None
        return f"{parts[0]} {rest}?"
    return _strip(out) + "?"


_LIST_GAP = re.compile(r"\s*(?:,\s*(?:(?:and|or)\s+)?|(?:and|or|&|versus|vs\.?)\s+)", re.I)


def _listed_span(text: str, names: list[str]) -> tuple[int, int] | None:
    """Where `text` names two or more of `names` as one list ("Equifax and TransUnion"), from the
    first to the last; None where it names fewer, or apart."""
    spans = sorted({m.span() for name in names for m in re.finditer(_whole(name), text)})
    if len(spans) < 2 or not all(_LIST_GAP.fullmatch(text[a[1]:b[0]]) for a, b in zip(spans, spans[1:])):
        return None
    return spans[0][0], spans[-1][1]


def _swap_reference(reference: str, topic: str) -> str:
    """"of those" -> "of the complaints about late fees": the topic as the subject it was, so that
    the product or company in it is read as such."""
    lead = re.match(r"(?i)(of|for|in|among)\s+", reference)
    return f"{lead.group(0)}the complaints about {topic}" if lead else topic
