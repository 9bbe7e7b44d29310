"""The phrasings of "I want a person", as families of rules, and what looks like one but is not.

Families: talking to a person (any noun for one: agent, executive, advisor, specialist, "someone
from your team", a department), being put through, asking for a contact channel (the support
line's number, a helpline, being called back or contacted, leaving one's own number), a key word
or two as the whole message, and frustration that names the bot's failure. The text they see is
already normalised (`human_request.normalise`: misspellings put right).

`ABOUT_A_CALL` is the other side: a message *about* a call, a number or a language ("the call
will not connect", "wrong number", "do you speak Spanish") is not a request unless it also asks
for a person in so many words.
"""

from __future__ import annotations

import re

_DET = r"(?:(?:a|an|the|some|one|any|your|ur|(?:one|some) of (?:your|the)|to)\s+)?"
_ADJ = (
    r"(?:(?:real|live|actual|normal|proper|human|non-robotic|other|different|living|"
    r"senior|customer|client|support|service|sales|bank|hotel|fucking|fuckin|freaking|bloody|"
    r"damn|goddamn)\s+)*"
)
_NOUN = (
    r"(?:human(?:\s+being)?s?|person|people|agents?|representatives?|reps?|operators?|"
    r"(?:\w+\s+)?(?:advis[eo]rs?|executives?|specialists?|experts?|officers?|consultants?|"
    r"managers?)|exec|associates?|my (?:account|relationship|personal|financial|mortgage|"
    r"case|dedicated) (?:manager|advis[eo]r|officer|executive|handler)|"
    r"staff(?:\s+member)?|member of (?:staff|the team)|manager|supervisor|employee|"
    r"bank worker|worker|colleague|consultant|receptionist|reception|front (?:desk|office)|"
    r"concierge|housekeeping|room service|restaurant|spa|cleaners|cleaning staff|"
    r"help\s?desk|call cent(?:er|re)|"
    r"(?:\w+\s+)?(?:team|department|desk)|"
    r"(?:customer|client) (?:service|support|care|services)(?:\s+(?:agent|rep|representative|"
    r"team|executive|advisor))?|"
    r"(?:some(?:one|body)|anyone|anybody)(?:\s+(?:else|real|there|who works there|"
    r"from (?:your|the) \w+))?)"
)
WHO = _DET + _ADJ + _NOUN + r"\b"
_PERSON = (
    r"(?:humans?|persons?|people|agents?|representatives?|reps?|operators?|advis[eo]rs?|"
    r"staff(?: members?)?|managers?|supervisors?|some(?:one|body)|any(?:one|body))\b"
)
_WHOM = (
    r"(?:you|u|ur|your|them|customer|client|support|service|some(?:one|body)|any(?:one|body)|"
    r"an? (?:real |live |actual )?(?:human|person|agent|advis[eo]r|representative|rep|member)|"
    r"the (?:bank|company|team|support|helpline|hotline|office|call cent\w+|customer|client|"
    r"agents?|manager|staff|reception|front desk|concierge|right person|hotel)|a real|a live)\b"
)
_TALK = (
    r"(?:(?:talk|speak|chat|converse|get in touch|be in touch|communicate|deal|complain)(?:ing)?|"
    r"ha(?:ve|ving) (?:a |an )?(?:quick |brief |short |private )?(?:word|chat|talk|conversation))"
)
_CONTACT = (
    r"(?:contact(?:ing)?|reach(?:ing)?|call(?:ing)?|phon(?:e|ing)|ring(?:ing)?|e-?mail(?:ing)?|"
    r"message|get (?:hold of|through to|in touch with))"
)
_MAIL = r"(?:e-?)?mail(?:\s+address)?"
_SUPPORT = (
    r"(?:the\s+|your\s+)?(?:customer|client|support|service|care|you|an? agent|someone|"
    r"a person|the team|your team)\b"
)
_CHANNEL_NOUN = (
    r"(?<!\bmy )(?:(?:phone|telephone|contact|helpline|hotline|help line|support|service|care|"
    r"office|call cent(?:er|re)|toll[- ]?free|free|whatsapp|agent'?s?|your|ur)\s+"
    r"(?:phone\s+|contact\s+|mobile\s+)?(?:number|no\b|#)|"
    rf"(?:number|{_MAIL}|contact (?:details|info\w*)|phone|hours|opening hours)"
    rf"(?:\s+\w{{1,4}}){{1,2}}\s+{_SUPPORT}|(?:customer|client) (?:service|support|care)(?:'s)? "
    rf"(?:number|phone|{_MAIL}|contact|hours)|contact (?:details|info\w*|number))"
)
_ASK = (
    r"(?:what|what's|whats|give|send|share|tell|need|want|get|have|find|provide|show|see|"
    r"looking for|is there|where|know|information|info|about)"
)
_CHANNEL = (
    rf"(?:\b{_ASK}\b[^.?!]{{0,40}}?{_CHANNEL_NOUN}|^\W*{_CHANNEL_NOUN}|"
    r"\bhelp\s?line|\bhot\s?line|\bsupport line|\bnumber (?:to|i can|we can|(?:do|should|can|"
    r"could) (?:i|we))\s+(?:call|contact|reach|ring|dial|phone|use to (?:call|reach|contact))|"
    r"\bways? to (?:contact|reach)|\bhow (?:do|can|could|would|should) (?:i|we) "
    r"(?:\w+\s+)?(?:contact|reach|call|phone|e-?mail|get in touch with|get hold of|talk to|"
    rf"speak (?:to|with))\s*(?:$|[?.!,]|{_WHOM})|"
    r"(?<!what )(?<!how )\b(?:can|could|may) (?:i|we) (?:call|phone|ring|e-?mail|contact|reach) "
    r"(?:you|u)\s*(?:$|[?.!,]|about\b|regarding\b|on\b|now\b|today\b|tomorrow\b|later\b|back\b|"
    r"directly\b|instead\b)|"
    r"\bwho (?:can|do|should|could|would) (?:i|we) (?:talk|speak|chat|complain) to\b|"
    r"\bwho (?:can|do|should|could) (?:i|we) (?:contact|call|ring|phone|e-?mail)\b|"
    r"\b(?:what(?:'s| is| are)?|whats|give me|send me|tell me|share|need|want|do you have|"
    r"where(?:'s| is| can i find)?)\s+(?:\w+\s+){0,2}?(?:your|ur|an?)\s+"
    r"(?:e-?mail(?:\s+address)?|"
    r"(?:tele)?phone(?:\s+number)?|contact (?:details|info\w*|number|e-?mail))\b|"
    r"\b(?:send|write|drop)\s+(?:an?\s+)?(?:e-?)?mail\s+to\s+"
    rf"{_SUPPORT}|\b(?:is|are)\s+(?:there\s+)?(?:any\s+)?{_DET}{_ADJ}(?:{_PERSON}|"
    r"(?:customer|client) (?:service|support|care)|(?:\w+ )?team)\s+(?:\w+\s+)?"
    r"(?:available|online|free|working|around|i can (?:talk|speak|chat))\b|"
    r"\b(?:some(?:one|body)|anyone|anybody|any human(?: agent)?|an? (?:human|agent|person))\s+"
    r"(?:available|online)\b)"
)
_CALL_ME = (
    r"\b(?:call|phone|ring|text|contact|reach)\s+me\s+(?:back|now|asap|please|today|tomorrow|"
    r"on|at|as soon|when|urgently)\b|\bcall\s*back\b|\bcallback\b|"
    r"\b(?:can|could|would|please)\s+(?:you\s+|u\s+|someone\s+|somebody\s+)?(?:call|phone|ring|"
    r"contact)\s+me\s*[.!?]*$|\b(?:can|could|would|will|please)\s+(?:someone|somebody|anyone|"
    r"an? (?:agent|person|human|advisor)|your (?:team|staff|agent))\s+(?:please\s+)?(?:call|phone|"
    r"ring|contact|reach|e-?mail)\s+(?:me|us)\b|"
    r"^\W*(?:pls\s+|please\s+)?(?:call|phone|ring|contact) me\W*$|"
    r"\bgive me a (?:call|ring|phone call)\b|\b(?:get|be|being) (?:called|contacted|rung)\b|"
    r"\b(?:want|need|like|request|get|arrange|schedule|book|have)\s+(?:a\s+)?(?:phone\s+)?call\b|"
    r"\b(?:get|have|ask|tell)\s+(?:someone|somebody|an? agent|a person|a human|your team)\s+"
    r"(?:to\s+)?(?:call|phone|ring|contact|reach|e-?mail)\s+(?:me|us)\b|"
    r"\bmy (?:phone |mobile |cell |contact )?(?:number|no) is\b|\breach me (?:at|on)\b|"
    r"(?:^|[.,!?;:]\s*|\d\s+|\b(?:and|so|then|please|just|pls)\s+)(?:call|phone|ring|text)\s+me\s*"
    r"(?:$|[.!,]|\+?\d)|"
    r"\b(?:want|need|like|would like|wish|ask for)\s+(?:some(?:one|body)|an? (?:agent|person|human|"
    r"advis[eo]r|representative)|your (?:team|staff))\s+(?:from (?:your|the) \w+\s+)?(?:to\s+)?"
    r"(?:call|phone|ring|contact|reach|e-?mail|get back to)\s+(?:me|us)\b|"
    r"\b(?:can|could|would|will)\s+(?:some(?:one|body)|any(?:one|body)) from (?:your|the) "
    r"(?:\w+\s+){1,2}"
    r"(?:please\s+)?(?:call|phone|ring|contact|reach|e-?mail|help|assist)\b|"
    r"\b(?:leave|give you|send you|share)\s+(?:you\s+)?my\s+(?:phone |mobile |cell |contact )?"
    r"(?:number|no)\b(?!\s+(?:changed|is wrong))|"
    r"\bget in touch with me\b"
)

RULES: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (name, re.compile(pattern, re.IGNORECASE))
    for name, pattern in (
        (
            "talk to a person",
            rf"\b{_TALK}\s+(?:directly\s+)?(?:to|with)\s+(?:{WHO}|(?:your|the|ur) boss\b)",
        ),
        (
            "put me through",
            r"\b(?:connect|transfer|put|pass|forward|hand|escalate|redirect)\s+"
            r"(?:me|my call|my case|us)\s+(?:through\s+|over\s+|on\s+)?(?:to|with)\s+"
            r"(?!my\b|your account|an? (?:new\s+)?account|(?:a|some) new\b)",
        ),
        (
            "get me a person",
            r"\b(?:get|give|want|need|find|bring|have|see|prefer|like|request|reach|contact|"
            r"call|ring)\s+(?:me\s+)?(?:to\s+)?"
            + _DET
            + _ADJ
            + r"(?:human(?:\s+being)?|person|agent|representative|reps?|operator|supervisor|"
            r"manager|"
            r"(?:\w+\s+)?(?:advis[eo]r|executive|specialist|officer|expert|consultant)|"
            r"some(?:one|body)\s+else|real\s+some(?:one|body)|"
            r"staff member|customer (?:service|support|care)|client (?:service|support|care)|"
            r"some(?:one|body) from (?:your|the) \w+)\b",
        ),
        (
            "someone to talk to",
            r"\b(?:some(?:one|body)|anyone|anybody|a (?:real )?(?:person|human))\s+"
            r"(?:(?:real|else)\s+)?(?:there\s+)?"
            r"(?:(?:i|we)\s+(?:can|could)|to)\s+(?:talk|speak|chat)\s+(?:to|with)\b|"
            r"\bget\s+(?:me\s+)?some(?:one|body)\s+(?:to\s+)?(?:help|call|contact|look at)\b",
        ),
        (
            "a person please",
            rf"\b{_DET}{_ADJ}(?:human|person|agent|representative|operator|executive|advisor)"
            r"\s*(?:,\s*)?(?:please|now|asap|already\s*(?:[.!?]|$)|!)",
        ),
        (
            "a team please",
            r"^\W*(?:the\s+)?(?:\w+\s+)?(?:team|department|desk|office)\s*(?:,\s*)?please\W*$",
        ),
        (
            "on the line",
            rf"\b(?:get|put|have|bring)\s+(?:me\s+)?{WHO}\s+(?:\w+\s+)?on the (?:line|phone)\b",
        ),
        (
            "a person's help",
            r"\b(?:human|live|personal|in-person|real person|real human)\s+(?:assistance|help|"
            r"support|interaction|contact)\b|"
            r"\b(?:help|assistance|support)\s+from\s+(?:a|an|some|your|one of your)\s+"
            r"(?:real |actual |live )?(?:human|person|agent|people|staff|representative|advisor)|"
            r"\b(?:can|could|would|will|may)\s+(?:a|an|one of your)\s+"
            r"(?:real |actual |live |human )?"
            r"(?:humans?|person|agents?|representatives?|advis[eo]rs?|staff member|manager|"
            r"supervisor)\s+(?:please\s+)?(?:help|assist|look|check|call|contact|sort|handle|"
            r"deal|take|review)\b|"
            rf"\bput\s+{_DET}{_ADJ}{_PERSON}\s+on\b|"
            r"\b(?:some(?:one|body)|a (?:real )?(?:person|human)) (?:else )?to (?:explain|look "
            r"into|review|go through)\b|"
            r"\b(?:complaint|complain)\w*\s+(?:to|with)\s+" + WHO,
        ),
        (
            "escalate",
            r"\bescalat(?:e|ing)\s+(?:this|it|that|my|the|our|to|please|now|asap)\b|"
            r"\b(?:want|need|like|request|ask for)\w*\s+(?:an?\s+)?escalation\b|"
            r"^\W*escalat\w*\W*(?:please|pls|now|asap)?\W*$",
        ),
        (
            "anyone there",
            r"\bare (?:there|you) (?:any )?(?:real |actual |live )?"
            r"(?:humans?|people|persons?|agents?) "
            r"(?:(?:\w+\s+)?(?:working|available|around|online|at all)|there|here)\b",
        ),
        ("call me", _CALL_ME),
        ("contact a person", rf"\b{_CONTACT}\s+{WHO}"),
        ("a contact channel", _CHANNEL),
    )
)
FRUSTRATION: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (name, re.compile(pattern, re.IGNORECASE))
    for name, pattern in (
        (
            "this is going nowhere",
            r"^\W*(?:this|that|it)(?:'s| is)\s+(?:really |so |very |just |getting |becoming )?"
            r"(?:frustrating|pointless|useless|ridiculous|a waste of (?:my )?time)\W*$",
        ),
        (
            "not a bot",
            r"\b(?:bots?|robots?|machines?|computers?|virtual agents?|automated|ai|chatbot)\b"
            r".{0,40}\b(?:useless|stupid|no help|not help|doesn'?t help|can'?t help|dumb|"
            r"not helping|not understanding|doesn'?t understand)\b|"
            r"\b(?:stop|tired of|sick of|fed up with|done with|enough of)\s+(?:talking to\s+)?"
            r"(?:a\s+|the\s+|this\s+|these\s+)?(?:bots?|robots?|machines?|chatbots?|automated)\b|"
            r"\b(?:with|to)\s+(?:a|this)\s+(?:machine|robot|bot|chatbot)\b|"
            r"\b(?:useless|stupid|dumb|pointless)\s+(?:bot|robot|machine|chatbot|ai|assistant)\b|"
            r"\b(?:hate|can'?t stand|don'?t like|do not like|no more|not another)\s+"
            r"(?:talking to\s+|"
            r"chatting with\s+|dealing with\s+)?(?:a\s+|the\s+|this\s+|these\s+)?(?:bots?|robots?|"
            r"machines?|chatbots?|automated \w+)\b|"
            r"(?<!\bi'm )(?<!\bim )(?<!\bi am )(?<!\bare you )(?<!\bprove )(?<!\bthat )"
            r"(?<!\bif )(?<!\bis it )(?<!\bis this )\b(?:not|no)\s+(?:you|a bot|the bot|this bot|a "
            r"machine|a robot|bots?|robots?|machines?)\s*[,.!;:-]+\s*(?:i want |i need |give me |"
            r"get me |just )?(?:an?\s+)?(?:real |actual |live )?(?:human|person|agent|people)\b|"
            r"\b(?:help|humans?|person|people|agents?|answers?|support|assistance|some(?:one|body))"
            r"\s*,?\s+not\s+(?:an?\s+|"
            r"the\s+|this\s+|some\s+)?(?:bots?|robots?|machines?|chatbots?|ai|computer)\b",
        ),
        (
            "you cannot help",
            r"\b(?:(?:you(?:'re| are| r)?|youre|ur) (?:can ?not|can'?t|cannot|are not|aren'?t|"
            r"r not|not|are of no|were not|weren'?t) (?:help|helping|the right|understanding|"
            r"useful|of (?:any )?"
            r"use)|(?:you(?:'re| are| r)|youre) useless|"
            r"you (?:don'?t|do not|dont) (?:understand|get it)|"
            r"(?:don'?t|do not) want to (?:talk|speak|chat) (?:to|with) (?:you|a bot|the bot)|"
            r"this (?:conversation|chat) is (?:not|going nowhere|useless|pointless)|"
            r"(?:is|are) not leading anywhere|get me out of (?:this|here)|"
            r"you keep (?:giving|sending|saying|telling|repeating|showing)\w* "
            r"(?:me )?(?:the same|that)|"
            r"(?:you(?:'re| are| r)?|youre|this(?: bot| chat| conversation)? is|talking to you is) "
            r"(?:such |just |a |an |such a |just a |complete |total |absolute |utter )*"
            r"waste of (?:my )?time|"
            r"(?:this|that|it|you)(?:'s| is| are|'re)? ?(?:not|n'?t|isn'?t|aren'?t|doesn'?t|"
            r"does not|are not) (?:help|helping|helpful|of any help)\b(?! me (?:to|with|find))|"
            r"(?:this|that) (?:is|was) no help)",
        ),
    )
)
ABOUT_A_CALL = re.compile(
    r"\b(?:call|calls|line|number|phone|helpline|hotline|connection|details|e-?mail|"
    r"address)\b[^.!?]{0,40}?\b(?:not "
    r"(?:connect\w*|going through|working|valid|reachable|answer\w*)|won'?t (?:connect|go through)|"
    r"can'?t (?:connect|get through)|keeps? (?:dropping|disconnecting|cutting)|dropped|"
    r"disconnected|cut off|busy|engaged|wrong|incorrect|invalid|no one (?:answers|picks up)|"
    r"nobody (?:answers|picks up)|unreachable|out of service|not good|not right|not correct|"
    r"(?:is|are|was|were|does|do|did|has|have)n'?t (?:connect\w*|work\w*|answer\w*|going through|"
    r"go through|pick\w* up|valid|right|correct))\b|"
    r"\bwrong (?:number|person|line|call)\b|"
    r"\b(?:change|update|verify|edit|add|remove|delete|confirm|reset|register|link|enter|amend)"
    r"\w*\s+(?:my|the|a|new)\s+(?:phone |mobile |contact |cell )?(?:number|phone|details)\b|"
    r"\b(?:what|which|how many|other) languages?\b|\blanguages? (?:do|can|does) (?:you|it)\b|"
    r"\b(?:speak|talk|chat|write|reply|respond|answer|support)\w*\s+(?:in\s+)?(?:english|"
    r"spanish|french|german|hindi|arabic|chinese|mandarin|portuguese|italian|tamil|urdu|"
    r"bengali|tagalog|russian|japanese|korean|turkish|polish|dutch|telugu|marathi)\b",
    re.IGNORECASE,
)
KEYWORDS = frozenset(
    [
        "human",
        "humans",
        "person",
        "people",
        "agent",
        "agents",
        "representative",
        "rep",
        "operator",
        "executive",
        "advisor",
        "specialist",
        "supervisor",
        "manager",
        "staff",
        "someone",
        "somebody",
        "customer",
        "client",
        "service",
        "support",
        "care",
        "helpline",
        "hotline",
        "callback",
        "contact",
        "live",
        "chat",
        "call",
        "phone",
        "number",
        "team",
    ]
)
FILLERS = frozenset(
    [
        "a",
        "an",
        "the",
        "to",
        "with",
        "me",
        "my",
        "i",
        "want",
        "need",
        "please",
        "pls",
        "plz",
        "now",
        "asap",
        "real",
        "talk",
        "speak",
        "connect",
        "get",
        "give",
        "us",
        "your",
        "ur",
        "any",
        "some",
        "for",
        "chat",
        "live",
        "and",
        "or",
        "quick",
        "urgent",
        "urgently",
        "help",
    ]
)
_TOKEN = re.compile(r"[a-z]+")
_GENERIC = frozenset(
    [
        "live",
        "chat",
        "care",
        "service",
        "support",
        "number",
        "phone",
        "team",
        "customer",
        "client",
        "call",
        "contact",
    ]
)
_PAIR = re.compile(r"\b(?:(?:customer|client) (?:service|support|care)|live chat|call back)\b")


def keywords_only(text: str) -> str | None:
    """A message of at most five words, all key words or fillers, with a key word among them
    ("human pls", "customer care number", "agent now"): the words, else None."""
    words = _TOKEN.findall(text.lower())
    if not words or len(words) > 5 or any(w not in KEYWORDS | FILLERS for w in words):
        return None
    joined = " ".join(words)
    named = any(w in KEYWORDS and w not in _GENERIC for w in words)
    return joined if named or _PAIR.search(joined) else None
