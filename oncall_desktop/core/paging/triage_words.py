"""The words and phrases behind each triage signal, written from what MSP techs see after hours.

Why a table of phrases and not a model: a tech woken at 3 AM must be able to
read *why* ("whole office affected: 'all users'"), and a lead must be able to
see what a signal listens for.  Each kind below is one question a good
dispatcher asks: is it broken now, for how many, what does it stop, is it a
security incident — and what says it can wait.

Notation, expanded once at import (see ``triage_signals``):

* words are matched whole, lower-cased; ``crash*`` also means crashes,
  crashed, crashing (``outage*``: outages);
* ``{cant}``, ``{access}``… stand for the alternatives in :data:`MACROS`;
* ``..`` between words allows up to five other words in between
  ("files were all encrypted" matches ``files .. encrypted``).
"""
from __future__ import annotations

from typing import Final

#: Alternatives a phrase can name as ``{key}``; each alternative may be several words.
MACROS: Final[dict[str, tuple[str, ...]]] = {
    "cant": ("can't", "cant", "cannot", "can not", "couldn't", "could not", "unable to", "not able to",
             "are unable to", "is unable to"),
    "access": ("access*", "reach*", "connect*", "open", "use", "get into", "log in", "login", "log on",
               "logon", "sign in", "signin", "load"),
    "isnt": ("isn't", "isnt", "is not", "aren't", "arent", "are not", "wasn't", "was not", "not",
             "doesn't", "doesnt", "does not", "don't", "dont", "do not", "won't", "wont", "will not"),
    "all": ("all", "all of", "all the", "all our", "every", "the entire", "the whole", "our entire",
            "our whole", "entire", "whole"),
    "people": ("users", "staff", "employees", "people", "workers", "colleagues", "agents", "team members",
               "members", "clinicians", "doctors", "nurses", "teachers", "students", "cashiers", "user accounts"),
    "place": ("office", "offices", "company", "organization", "organisation", "business", "site", "sites",
              "building", "branch", "branches", "location", "locations", "store", "stores", "clinic",
              "clinics", "practice", "department", "departments", "floor", "team", "network", "domain",
              "firm", "school", "warehouse", "plant", "hospital", "headquarters", "hq", "campus", "counters",
              "desks", "ward", "wards", "classrooms", "rooms", "practice's", "company's", "organization's"),
    "device": ("laptop", "computer", "pc", "desktop", "workstation", "machine", "notebook", "macbook",
               "phone", "mobile", "iphone", "ipad", "tablet", "monitor", "screen", "mouse", "keyboard",
               "headset", "webcam", "printer", "dock", "docking station", "account", "password", "mailbox",
               "inbox", "email", "e-mail", "outlook", "calendar", "profile", "login", "signature",
               "onedrive", "browser", "chrome", "desk phone", "extension", "voicemail", "device", "macbook air",
               "surface", "thinkpad", "home", "home office", "wifi at home", "internet at home"),
    "past": ("yesterday's", "last night's", "last week's", "last month's", "previous", "earlier", "monday's",
             "tuesday's", "wednesday's", "thursday's", "friday's", "saturday's", "sunday's", "this morning's"),
    "verb": ("print", "send", "receive", "call", "make calls", "take calls", "save", "scan", "see", "load",
             "start", "boot", "launch", "sync", "dispense", "check in", "check out"),
}

#: Signal kind → phrases.  Raising kinds first, lowering kinds after.
PHRASES: Final[dict[str, tuple[str, ...]]] = {
    # a security incident in progress (not a question about security)
    "security": (
        "ransomware", "ransom", "ransom note", "breach*", "data breach", "hacked", "hacker*", "compromised",
        "compromise", "intrusion", "intruder", "attacker*", "cyberattack", "cyber attack", "under attack",
        "ddos", "malware", "trojan", "keylogger", "virus", "infected", "infection", "cryptolocker", "lockbit",
        "encrypted files", "files .. encrypted", "files .. renamed", "file extensions changed",
        "unauthorized access", "unauthorised access", "unauthorized login*", "unauthorised login*",
        "unauthorized transaction*", "suspicious login*", "suspicious sign-in*", "suspicious sign in*",
        "suspicious activity", "impossible travel", "someone logged into", "someone logged in",
        "someone else logged", "not me who logged", "logged in from russia", "clicked .. link",
        "clicked on .. phishing", "entered .. password .. phishing", "gave .. password",
        "sending spam", "sent spam", "sending out spam", "spam from our", "sending phishing",
        "mailbox rules .. created", "forwarding rule*", "exfiltrat*", "data leak*", "leaked", "stolen",
        "credentials .. stolen", "account takeover", "wire fraud", "bitcoin", "large outbound", "unknown host",
        "we did not do", "we didn't do", "we didnt do", "nobody here did", "none of us did", "none of us created",
        "we did not make", "we didn't make", "we didnt make", "wasn't us", "not one of us", "took over",
        "password was changed .. not", "penetrated", "renaming all", "renaming our", "getting renamed",
        "strange extension", "weird extension", "new extension", "random extension", "unknown extension",
        "security breach", "phishing attack", "spear phishing", "exposed", "exposure", "unapproved access",
        "gained access", "without authorisation", "without authorization", "unknown party", "unknown account*",
    ),
    # someone's data gone, not a file misplaced
    "data_loss": (
        "data loss", "lost data", "data .. lost", "data is gone", "data was lost", "lost all", "all .. data .. gone",
        "files .. deleted", "files .. disappeared", "files .. missing", "files are gone", "folders .. deleted",
        "folders .. gone", "wiped", "corrupt*", "corruption", "database .. gone", "records .. missing",
        "records .. deleted", "everything is gone", "everything .. deleted", "lost .. files", "backups .. deleted",
        "disappeared", "vanished", "gone missing", "data .. missing", "data .. deleted", "data .. erased",
        "overwritten", "erased", "loss of .. data", "loss of all", "files .. gone", "documents .. gone",
    ),
    # something broken now
    "outage": (
        "down", "outage*", "downtime", "offline", "crash*", "went dark", "dead", "not working",
        "{isnt} working", "{isnt} work", "stopped working", "stop working", "quit working", "no longer work*",
        "not responding", "unresponsive", "unreachable", "unavailable", "inaccessible", "{cant} {access}",
        "no access", "lost access", "no connection", "no connectivity", "lost connection", "no internet",
        "no network", "no dial tone", "no email", "no emails", "not receiving", "not sending",
        "{isnt} loading", "{isnt} starting", "{isnt} booting", "won't start", "won't boot", "fail*",
        "failure*", "broken", "broke", "blue screen", "bsod", "error 500", "503", "502", "timed out",
        "timing out", "dropped", "dropping", "keeps dropping", "disconnected", "power cut", "power outage",
        "lost power", "no power", "fire alarm", "flood*", "flooding", "stuck", "frozen", "freez*", "hung",
        "refused", "rejected", "bouncing", "bounced", "bounce back*", "disruption*", "malfunction*",
        "not functioning", "{isnt} functioning", "stopped functioning", "interruption*", "went down",
        "goes down", "breakdown", "problems accessing", "trouble accessing", "difficulty accessing",
        "difficulties accessing", "issues accessing", "{cant} {verb}", "water", "smoke", "fire", "leak*",
        "dismounted", "denied", "access denied", "no service", "no signal", "no longer available",
        "no longer accessible", "ceased to function*", "ceased working",
    ),
    # how far it reaches: everyone, a site, many people
    "wide": (
        "{all} {people}", "{all} {place}", "everyone", "everybody", "everyone's", "nobody", "no one",
        "noone", "none of us", "none of our", "all of us", "company wide", "companywide", "office wide",
        "site wide", "sitewide", "organization wide", "organisation wide", "network wide", "across the",
        "multiple {people}", "several {people}", "many {people}", "most {people}", "other {people}",
        "more {people}", "multiple locations", "multiple sites", "both offices", "both sites", "every {device}", "on every",
        "each {device}", "whole .. team", "entire .. team", "all .. staff", "several of us", "many of us", "half the",
        "half of the", "{people} and", "widespread", "several systems", "multiple systems", "several services",
        "multiple services", "across several", "across multiple",
        "{people} can't", "{people} cannot", "{people} unable", "{people} report*", "{people} affected",
        "{all} computers", "{all} pcs", "{all} machines", "{all} workstations", "{all} devices",
        "{all} phones", "{all} laptops", "{all} terminals", "{all} registers", "{all} tills",
        "{all} systems", "{all} services", "{all} mailboxes", "{all} accounts", "{all} emails",
        "{all} printers", "the whole team", "our team", "my team", "the team", "whole team", "entire team",
        "department", "dozens", "hundreds", "many customers", "all customers", "all clients",
        "all patients", "{all} day",
    ),
    # a system many people share
    "shared": (
        "server*", "file server", "mail server", "web server", "exchange", "exchange online",
        "email system", "email service", "mail system", "mail flow", "mailflow", "network", "lan", "wan",
        "internet", "wifi", "wi-fi", "wireless", "vpn", "firewall", "router", "switch", "isp", "fibre",
        "fiber", "m365", "o365", "office 365", "microsoft 365", "sharepoint", "teams", "shared drive",
        "network drive", "mapped drive*", "file share", "fileshare", "nas", "san", "domain controller",
        "active directory", "azure ad", "entra", "dns", "dhcp", "database", "sql", "erp", "crm", "ehr", "emr",
        "pms", "pos", "point of sale", "phone system", "phones", "voip", "pbx", "phone lines", "phone line",
        "switchboard", "call center", "call centre", "website", "web site", "webshop", "web shop",
        "online store", "online shop", "e-commerce", "ecommerce", "checkout", "payment processing",
        "card terminal*", "card machine*", "terminals", "tills", "registers", "citrix", "rds",
        "remote desktop", "terminal server", "hypervisor", "vmware", "hyper-v", "esxi", "cluster",
        "virtual machine*", "vms", "aws", "azure", "app server", "platform", "saas", "service outage*",
        "service disruption*", "service interruption*",
        "line of business", "practice management", "accounting system", "billing system",
        "scheduling system", "booking system", "reservation system", "inventory system", "warehouse system",
        "dispatch", "lab system", "pacs", "dental software", "infrastructure", "datacenter", "data center",
        "data centre", "backbone", "cctv", "server room", "shared mailbox",
        "shared folder", "prescribing system", "dispensing system", "reservation", "ticketing system", "network printer",
        "door access", "badge", "security cameras", "alarm system", "medical records", "patient records",
    ),
    # a system, without saying which: weaker than a named shared one
    "system": (
        "our system", "our systems", "the system", "systems", "services", "api", "hosting", "portal", "payment*",
        "storage", "cloud", "host",
    ),
    # what it stops: work, production, customers, patients, money
    "impact": (
        "{cant} work", "can't do any work", "no work", "nobody can work", "no one can work", "work stopped",
        "work has stopped", "at a standstill", "standstill", "halted", "ground to a halt", "grinding to a halt",
        "dead in the water", "blocking", "blocked from", "blocker", "production", "prod", "production line",
        "live site", "customers", "customer-facing", "customer facing", "clients can't", "patients",
        "patient care", "surgery", "revenue", "losing money", "losing sales", "lost sales", "lost revenue",
        "{cant} take orders", "{cant} process", "{cant} trade", "{cant} operate", "{cant} serve",
        "{cant} see patients", "{cant} take payments", "{cant} check out", "shipping", "orders",
        "operations", "business operations", "disrupt*", "severely", "major impact", "significant impact",
        "serious", "sla", "deadline today", "payroll", "closing", "go live", "go-live", "entire business",
        "out of action", "sent home", "sending people home",
    ),
    # the caller's own alarm, weak on its own
    "urgent": (
        "urgent", "urgently", "emergency", "asap", "critical", "immediately", "immediate", "right now",
        "severe", "sev1", "sev 1", "p1", "priority 1", "911", "please help",
    ),
    # one person, one device
    "narrow": (
        "my {device}", "my own", "my new", "for me", "only me", "just me", "only for me", "me only",
        "only my", "only mine", "only on my", "one user", "a user", "single user", "a single user",
        "one of our users", "one of my", "one employee", "an employee", "a colleague", "a staff member",
        "new employee", "new starter", "new hire", "one computer", "one laptop", "one pc", "one machine",
        "one device", "one printer", "a printer", "printer", "toner", "scanner", "paper jam", "jammed",
        "keyboard", "mouse", "webcam", "headset", "docking station", "monitor", "second screen",
        "accidentally", "a file", "one file", "an email", "a folder", "a document", "a spreadsheet",
        "password reset", "reset my password", "forgot my password", "forgotten password",
        "account locked", "his {device}", "her {device}", "their {device}", "this user", "that user",
        "user's", "the user", "only one", "just one", "individual", "no one else", "nobody else",
        "everyone else", "everybody else", "rest of the office", "others are fine", "others are ok",
        "others can", "other users are fine", "{people} are fine", "{people} are ok", "{people} are connected",
        "only affects me", "only affecting me", "i'm locked out",
        "i am locked out", "locked out of my", "my data", "my files", "my documents", "my project*", "my tasks",
        "my folder*", "my emails", "my mail", "my work", "home internet", "home wifi", "home network", "home router",
    ),
    # the writer alone, so far ("I can't", not "we can't")
    "self": (
        "i {cant}", "i'm unable", "i am unable", "i have been unable", "i've been unable", "i'm having",
        "i am having", "i have been having", "i've been having", "i am experiencing", "i'm experiencing",
        "i have been experiencing", "i've been experiencing", "i keep getting",
        "i face", "i am facing", "i'm facing",
    ),
    # a question, request, change or plan, not a fault
    "request": (
        "how do i", "how do we", "how to", "how can i", "how can we", "how would", "question", "questions",
        "inquiry", "enquiry", "inquire", "wondering", "would like", "we'd like", "i'd like", "like to request",
        "request for information", "request to", "request a", "request an", "requesting a", "requesting an",
        "requesting information", "enhancement*", "change request*", "please add", "please create", "please set up",
        "please install", "please order", "set up a",
        "set up an", "setup a", "new user", "onboard*", "offboard*", "license*", "licence*", "quote", "pricing",
        "invoice", "feature request*", "new feature*", "information on", "information about",
        "more information", "details on", "documentation", "tutorial", "training", "permission*",
        "is it possible", "possible to", "options for", "suggest*", "interested in", "explore", "exploring",
        "planning", "plan to", "next week", "next month", "schedule a", "schedule the", "maintenance window",
        "planned maintenance", "planned downtime", "appointment", "meeting", "demo",
        "trial", "purchase", "order a", "migrate to", "migration plan", "plan a migration", "add a", "add an",
        "customiz*", "customis*", "contract", "service credits", "does our", "do we have", "is there a way",
        "looking for", "seeking", "guidance", "advice", "recommend*", "best practice*", "tips",
        "help with setting", "help me set", "change the", "change our", "upgrade to", "upgrade our",
        "could you tell", "could you explain", "can you explain", "could you provide information",
        "provide information", "could you share", "can you share", "could you suggest", "could you recommend",
        "do you offer", "do you support", "does your", "we are evaluating", "we are considering", "evaluating",
        "integrate with", "integrate our", "install a", "install an", "implement a", "implementing a",
    ),
    # security talk that is not an incident
    "security_advice": (
        "security question", "best practice*", "recommend*", "advice", "guidance", "policy", "policies",
        "audit", "compliance", "training", "awareness", "how secure", "how do we protect", "how can we protect",
        "hardening", "assessment", "phishing test", "phishing simulation", "question*",
        "wondering", "interested", "is it real", "is this real", "is this legit", "is this a scam", "a scam",
        "didn't click", "didnt click", "did not click", "didn't call", "didnt call", "did not call",
        "didn't open", "did not open", "just forwarding", "it was me", "was me", "in case of", "concerned",
        "in light of", "measures to prevent", "what measures",
    ),
    # a security scare that is over or was never real: counts only beside a security hit
    "contained": (
        "contained", "false alarm", "false positive", "was secured", "were secured", "been secured", "turned out",
        "was legitimate", "it was me", "was me", "sessions revoked", "no files were affected", "nothing was accessed",
        "no sign of", "no evidence of", "not real", "was blocked", "were blocked", "been blocked", "quarantined",
    "have since", "has since", "steps have been taken", "measures have been taken", "been addressed",
    ),
    # a part or feature of an application, not a system people share ("the export fails", "the sync stopped")
    "feature": (
        "integration", "integrations", "sync", "syncing", "synchronization", "synchronisation", "synchronize*",
        "synchronise*", "export", "exporting", "import", "importing", "dashboard", "widget", "plugin", "plug-in",
        "add-in", "macro", "module", "feature", "template", "backup", "backup job*", "scheduled job",
    ),
    # it is slow, now and then, or can wait
    "degraded": (
        "intermittent*", "sporadic*", "occasional*", "sometimes", "from time to time", "now and then",
        "slow*", "sluggish", "lag*", "laggy", "delay*", "performance", "a bit", "minor", "small issue",
        "cosmetic", "glitch*", "flicker*", "once in a while", "every now and then", "inaccura*", "incorrect*",
        "imprecise", "discrepanc*", "inconsisten*", "not updating", "not syncing", "recurring", "peak hours",
        "peak times", "peak usage",
    ),
    # the writer says it can wait
    "calm": (
        "not urgent", "non urgent", "non-urgent", "no rush", "no hurry", "when you get a chance",
        "when you have a chance", "when you have time", "when you can", "at your convenience",
        "low priority", "no outage", "not an outage", "not an emergency", "no emergency", "not critical",
        "can wait", "tomorrow is fine", "monday is fine", "morning is fine", "fyi", "heads up",
        "for your information", "no impact", "not affecting", "nothing urgent", "not down", "no downtime",
        "no data loss", "nothing lost", "no need to do anything", "nothing to do", "no action needed",
    ),
    # already over: fixed, contained, a report on the past
    "resolved": (
        "has been resolved", "have been resolved", "been resolved", "is resolved", "was resolved", "now resolved",
        "resolved now", "issue resolved", "resolved itself", "got resolved", "are resolved", "problem solved",
        "is solved", "been solved", "fixed itself", "is fixed", "been fixed", "was fixed", "fixed now",
        "now fixed", "it's fixed", "all sorted", "sorted now", "got it sorted", "is sorted", "back online",
        "back up and running", "up and running again", "working again", "works again", "it's working now",
        "it is working now", "all working now", "everything is working", "working fine now", "works now",
        "back to normal", "came back up", "came back online", "came back on", "come back up", "been restored",
        "was restored", "were restored", "is restored", "restored now", "now restored", "service restored",
        "power restored", "connection restored", "connectivity restored", "has recovered", "have recovered",
        "recovered now", "been secured", "was secured", "were secured",
        "been contained", "is contained", "was contained", "threat contained", "quarantined",
        "false alarm", "never mind", "nevermind", "ignore this", "ignore my", "please close", "you can close",
        "can be closed", "no longer an issue", "no longer a problem", "no longer needed", "all good now",
        "post mortem", "post-mortem", "postmortem", "root cause analysis", "rca", "incident report",
        "{past} outage*", "{past} incident*", "{past} issue*", "{past} problem*", "{past} downtime",
        "after the outage", "since the outage", "following the outage", "after the incident",
        "following the incident", "went down yesterday", "happened yesterday", "happened last",
        "functioning normally", "operating normally", "running normally", "it's back", "its back", "it is back",
        "back now", "can {access} .. again",
    ),
}

#: Words that, just before a phrase, turn it around ("no outage", "not hacked").
NEGATORS: Final[frozenset[str]] = frozenset((
    "no", "not", "never", "without", "nothing", "isn't", "isnt", "wasn't", "wasnt", "aren't", "weren't",
    "haven't", "hasn't", "hadn't", "don't", "doesn't", "didn't", "nor", "zero", "any", "prevent",
    "preventing", "avoid", "avoiding", "against", "if", "whether", "case",
))

#: Kinds whose hit in a what-if or a question is not news ("in case of a breach", "what if the server fails?").
SUPPOSABLE: Final[frozenset[str]] = frozenset(("security", "data_loss", "outage", "impact"))

#: Words that, earlier in the same sentence, make it a what-if, a plan or a precaution rather than a report.
SUPPOSING: Final[frozenset[str]] = frozenset((
    "if", "whether", "unless", "case", "should", "prevent", "prevents", "preventing", "prevention", "avoid",
    "avoiding", "against", "protect", "protecting", "protection", "shield", "shielding", "safeguard",
    "safeguarding", "risk", "risks", "future", "hypothetical", "hypothetically", "suppose", "supposing",
    "imagine", "ever", "potentially", "minimise", "minimize", "reduce", "before",
))

#: Kinds whose hit in a sentence that guesses at a cause is the guess, not the report
#: ("a server outage might have caused it"); a security hit, even guessed at, stays one.
SPECULABLE: Final[frozenset[str]] = frozenset(("outage", "data_loss", "impact", "shared", "system", "feature"))
#: Words that, earlier in the sentence, make what follows a guess at a cause.
GUESSING: Final[frozenset[str]] = frozenset(("might", "may", "perhaps", "possibly", "probably", "likely", "maybe",
                                            "suspect", "suspected", "suspects"))

#: Words a sentence that asks starts with, even without a question mark ("How to handle suspicious logins").
ASKING: Final[frozenset[str]] = frozenset(("how", "what", "which", "why"))
#: Words that ask when "you", "we" or "i" follow ("could you explain…", "can we…").
ASKING_WITH: Final[frozenset[str]] = frozenset(("could", "can", "would", "will", "should", "do", "does"))

#: Kinds of one person or device: in a sentence that speaks of everyone, they are the everyone's things
#: ("no one can log in to their pc").
NARROW_KINDS: Final[frozenset[str]] = frozenset(("narrow",))
#: Words that, in the same sentence, make a narrow phrase everyone's.
EVERYONE: Final[frozenset[str]] = frozenset(("everyone", "everybody", "nobody", "noone", "every", "all", "none",
                                             "whole", "entire"))

#: Words that, right after a hit, make it a plan or a product, not an event ("ransomware protection").
PLANNED: Final[frozenset[str]] = frozenset((
    "protection", "prevention", "training", "awareness", "policy", "policies", "insurance", "simulation",
    "simulations", "readiness", "plan", "plans", "planning", "drill", "drills", "notification", "notifications",
    "alerting", "monitoring", "scenario", "scenarios", "recovery", "response", "procedure", "procedures",
    "questionnaire", "guarantee", "guarantees", "credits",
))

#: Kinds that name what a ticket is about: beside a step the writer took, they name what was worked on.
STEP_KINDS: Final[frozenset[str]] = frozenset(("shared", "system", "wide", "feature"))

#: A step the writer took ("restarted the server", "checked the firewall", "routers were rebooted").
STEPS: Final[frozenset[str]] = frozenset((
    "restart", "restarted", "restarting", "reboot", "rebooted", "rebooting", "check", "checked", "checking",
    "review", "reviewed", "reviewing", "verify", "verified", "verifying", "examine", "examined", "examining",
    "inspect", "inspected", "inspecting", "update", "updated", "updating", "adjust", "adjusted", "adjusting",
    "reset", "resetting", "clear", "cleared", "clearing", "reinstall", "reinstalled", "reinstalling",
    "reconfigure", "reconfigured", "optimise", "optimised", "optimize", "optimized", "optimizing", "optimising",
    "scale", "scaled", "scaling", "upgrade", "upgraded", "upgrading", "patch", "patched", "patching",
    "scan", "scanned", "scanning", "tested", "testing", "confirmed", "validated", "validating", "power-cycled", "rebuilt",
    "reconnected",
))

#: Kinds a negator in front cancels (lowering kinds say it themselves: "not urgent").
NEGATABLE: Final[frozenset[str]] = frozenset(("security", "data_loss", "outage", "impact", "urgent", "resolved"))

#: A kind that counts only when another fired: security talk lowers a security hit, nothing else.
ONLY_WITH: Final[dict[str, str]] = {"security_advice": "security", "contained": "security"}

#: A kind that does not count beside these: a feature failing lowers an outage, not lost data or an intrusion.
NOT_WITH: Final[dict[str, frozenset[str]]] = {"feature": frozenset(("data_loss", "security"))}

#: A word that is something else after these ("shut down", "slow down", "get fixed").
NOT_AFTER: Final[dict[str, frozenset[str]]] = {
    "down": frozenset(("shut", "shutting", "slow", "slowed", "slowing", "calm", "scroll", "scrolled", "drop",
                       "break", "narrow", "write", "wrote", "turn", "turned", "count", "sit", "step", "stepped",
                       "let", "mark", "marked", "cut", "trickle", "jot", "note", "upside", "hunker", "track",
                       "tracked", "pin", "boil", "settle", "settled", "wind", "winding", "scale", "scaled",
                       "powered", "power", "powering")),
    "resolved": frozenset(("be", "been", "get", "gets", "not", "isn't", "unresolved", "until", "once")),
    "solved": frozenset(("be", "get", "not", "once", "until")),
    "sorted": frozenset(("be", "get", "not", "once", "until")),
    "restored": frozenset(("be", "get", "not", "once", "until", "need", "needs", "want", "wanted")),
    "recovered": frozenset(("be", "get", "not", "once", "until", "need", "needs")),
    "dead": frozenset(("deadline",)),
    "stuck": frozenset(("not",)),
    "host": frozenset(("to", "we", "will")),
    "service": frozenset(("customer", "the")),
    "services": frozenset(("customer", "professional", "our")),
    "fail": frozenset(("pass",)),
}

#: What a reason says for each kind ("whole office affected: 'all users'").
LABELS: Final[dict[str, str]] = {
    "security": "security incident",
    "data_loss": "data lost",
    "outage": "broken now",
    "wide": "many people or a whole site affected",
    "shared": "a shared system",
    "system": "a system, not said which",
    "impact": "work, production or customers affected",
    "urgent": "the caller says it is urgent",
    "narrow": "one user or one device",
    "self": "only the writer so far",
    "request": "a question, request or change",
    "security_advice": "security advice, not an incident",
    "contained": "the security scare is over or was not real",
    "feature": "one feature of an application",
    "degraded": "slow or now and then",
    "calm": "the caller says it can wait",
    "resolved": "already resolved or in the past",
}

#: Built-in weights: a ticket pages at 4, pages P1 at 9 (``triage`` rule in the rules file).
WEIGHTS: Final[dict[str, int]] = {
    "security": 10, "data_loss": 4, "outage": 2, "wide": 2, "shared": 2, "system": 1, "impact": 2, "urgent": 1,
    "narrow": -3, "self": -2, "request": -2, "security_advice": -5, "contained": -8, "feature": -2,
    "degraded": -2, "calm": -4, "resolved": -5,
}
