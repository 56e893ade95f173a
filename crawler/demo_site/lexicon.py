"""Word lists and phrase banks for the synthetic ads (data only, no logic).

Why: texts.py stays readable while the variety lives here. Each indicator has
many phrasings per language, and each has decoys that look similar but must not
fire (negations, safe-sex wording, office hours, "young at heart").
"""

from __future__ import annotations

# nationality code -> (English adjective, Danish adjective, typical names, own language code)
NATIONALITIES: dict[str, tuple[str, str, tuple[str, ...], str]] = {
    "DK": ("Danish", "dansk", ("Sofie", "Emma", "Ida", "Freja", "Maja", "Clara", "Laura", "Mette"), "da"),
    "SE": ("Swedish", "svensk", ("Elin", "Linnea", "Saga", "Ebba", "Wilma"), "sv"),
    "RO": ("Romanian", "rumænsk", ("Andreea", "Ioana", "Elena", "Bianca", "Alina", "Denisa", "Roxana"), "ro"),
    "BG": ("Bulgarian", "bulgarsk", ("Desislava", "Mila", "Gergana", "Yana"), "bg"),
    "HU": ("Hungarian", "ungarsk", ("Reka", "Eszter", "Zsofi", "Nikolett"), "hu"),
    "PL": ("Polish", "polsk", ("Kasia", "Agnieszka", "Ola", "Monika"), "pl"),
    "UA": ("Ukrainian", "ukrainsk", ("Daria", "Oksana", "Katya", "Yulia"), "uk"),
    "LV": ("Latvian", "lettisk", ("Liga", "Ilze", "Santa"), "lv"),
    "NG": ("Nigerian", "nigeriansk", ("Blessing", "Joy", "Precious", "Favour", "Gift"), "en"),
    "TH": ("Thai", "thailandsk", ("Nok", "Ploy", "Fah", "May", "Lek"), "th"),
    "CN": ("Chinese", "kinesisk", ("Lily", "Mei", "Xiao", "Ying"), "zh"),
    "BR": ("Brazilian", "brasiliansk", ("Camila", "Larissa", "Bruna", "Jessica"), "pt"),
    "ES": ("Spanish", "spansk", ("Lucia", "Carmen", "Paula", "Marta"), "es"),
    "CO": ("Colombian", "colombiansk", ("Valentina", "Daniela", "Sara"), "es"),
}
NAT_WEIGHTS = {"DK": 14, "SE": 4, "RO": 14, "BG": 5, "HU": 5, "PL": 5, "UA": 5, "LV": 3,
               "NG": 8, "TH": 9, "CN": 4, "BR": 6, "ES": 5, "CO": 4}

# language code -> (English name, Danish name)
LANG_NAMES: dict[str, tuple[str, str]] = {
    "da": ("Danish", "dansk"), "en": ("English", "engelsk"), "sv": ("Swedish", "svensk"),
    "ro": ("Romanian", "rumænsk"), "bg": ("Bulgarian", "bulgarsk"), "hu": ("Hungarian", "ungarsk"),
    "pl": ("Polish", "polsk"), "uk": ("Ukrainian", "ukrainsk"), "ru": ("Russian", "russisk"),
    "lv": ("Latvian", "lettisk"), "th": ("Thai", "thai"), "zh": ("Chinese", "kinesisk"),
    "pt": ("Portuguese", "portugisisk"), "es": ("Spanish", "spansk"), "de": ("German", "tysk"),
}

# (display name, slug, postcode example)
CITIES: tuple[tuple[str, str, str], ...] = (
    ("København", "koebenhavn", "1620 København V"), ("Vesterbro", "vesterbro", "1650 København V"),
    ("Nørrebro", "noerrebro", "2200 København N"), ("Østerbro", "oesterbro", "2100 København Ø"),
    ("Frederiksberg", "frederiksberg", "2000 Frederiksberg"), ("Amager", "amager", "2300 København S"),
    ("Valby", "valby", "2500 Valby"), ("Aarhus", "aarhus", "8000 Aarhus C"),
    ("Odense", "odense", "5000 Odense C"), ("Aalborg", "aalborg", "9000 Aalborg"),
    ("Esbjerg", "esbjerg", "6700 Esbjerg"), ("Randers", "randers", "8900 Randers C"),
    ("Kolding", "kolding", "6000 Kolding"), ("Horsens", "horsens", "8700 Horsens"),
    ("Vejle", "vejle", "7100 Vejle"), ("Roskilde", "roskilde", "4000 Roskilde"),
    ("Herning", "herning", "7400 Herning"), ("Helsingør", "helsingoer", "3000 Helsingør"),
    ("Silkeborg", "silkeborg", "8600 Silkeborg"), ("Næstved", "naestved", "4700 Næstved"),
    ("Fredericia", "fredericia", "7000 Fredericia"), ("Viborg", "viborg", "8800 Viborg"),
    ("Køge", "koege", "4600 Køge"), ("Holstebro", "holstebro", "7500 Holstebro"),
)
CITY_WEIGHTS = (12, 9, 7, 5, 6, 4, 3, 10, 7, 6, 4, 3, 3, 3, 3, 3, 2, 2, 2, 2, 2, 2, 2, 1)

EN_NUM = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
          "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen",
          "nineteen")
EN_TENS = {2: "twenty", 3: "thirty", 4: "forty"}
DA_NUM = ("nul", "en", "to", "tre", "fire", "fem", "seks", "syv", "otte", "ni", "ti", "elleve",
          "tolv", "tretten", "fjorten", "femten", "seksten", "sytten", "atten", "nitten")
DA_TENS = {2: "tyve", 3: "tredive", 4: "fyrre"}

# Indicator phrase banks: code -> language -> phrasings ({city} and {name} may appear).
INDICATORS: dict[str, dict[str, tuple[str, ...]]] = {
    "MOVEMENT": {
        "en": ("New in town!", "NEW IN {CITY}", "Only a few days in {city}.", "Just arrived in {city}",
               "On tour – only this week", "Last days here, leaving on Sunday", "First time in Denmark",
               "visiting {city} this week only", "here until friday only!!", "brand new in {city}"),
        "da": ("Ny i byen!", "NY I {CITY}", "Kun få dage i {city}.", "Lige ankommet til {city}",
               "På turné – kun denne uge", "Sidste dage her, rejser videre søndag",
               "Første gang i Danmark", "kun her til fredag!!", "helt ny i {city}", "ny pige i byen"),
    },
    "THIRD_PARTY": {
        "en": ("Call my manager to book.", "Booking via our office.", "My girls are waiting for you",
               "She is waiting for you", "Contact our reception for appointment",
               "Our driver can bring her to you", "Ask for {name} when you call", "we have nice girls"),
        "da": ("Ring til min chef for booking.", "Booking via vores kontor.", "Vores piger venter på dig",
               "Hun venter på dig", "Kontakt vores receptionist", "Vores chauffør kan køre hende ud",
               "Spørg efter {name} når du ringer", "vi har søde piger"),
    },
    "MULTIPLE_PERSONS": {
        "en": ("3 girls available", "Many girls to choose from", "Two friends together",
               "Several ladies available today", "duo with my girlfriend possible"),
        "da": ("Flere piger klar", "2 veninder sammen", "3 nye piger", "Mange søde piger hver uge",
               "duo med min veninde muligt"),
    },
    "YOUTH": {
        "en": ("very young", "barely 18", "fresh new girl", "teen girl", "just turned 18",
               "young and fresh", "petite young newcomer"),
        "da": ("meget ung", "lige fyldt 18", "ung og frisk", "ny ung pige", "teen pige",
               "helt ung og sød"),
    },
    "UNPROTECTED": {
        "en": ("Without condom possible", "BB ok", "bareback extra", "No limits", "everything without protection",
               "natural service, no cover"),
        "da": ("Uden kondom muligt", "BB ok", "Ingen grænser", "alt uden beskyttelse", "naturlig service uden"),
    },
    "ALWAYS_AVAILABLE": {
        "en": ("24/7", "Available day and night", "always ready for you", "available 24 hours",
               "call anytime, day or night"),
        "da": ("Døgnet rundt", "Altid klar", "dag og nat", "åben 24/7", "ring når som helst, dag og nat"),
    },
    "LANGUAGE_BARRIER": {
        "en": ("No English", "Only SMS", "little English", "sms only, no calls",
               "I don't speak English, write please"),
        "da": ("Ingen dansk", "Kun sms", "taler ikke dansk", "lidt engelsk", "skriv kun sms, ingen opkald"),
    },
}

# Decoys: code they resemble -> language -> phrasings that must NOT fire that code.
DECOYS: dict[str, dict[str, tuple[str, ...]]] = {
    "MOVEMENT": {
        "en": ("Not new in town – I have lived in {city} for years.", "not on tour, I live here"),
        "da": ("Ikke ny i byen – jeg har boet i {city} i mange år.", "ikke på turné, jeg bor her fast"),
    },
    "THIRD_PARTY": {
        "en": ("Independent, no agency.", "No manager – I answer the phone myself."),
        "da": ("Selvstændig, intet bureau.", "Ingen chef – jeg tager selv telefonen."),
    },
    "MULTIPLE_PERSONS": {
        "en": ("I work alone, only me.",), "da": ("Jeg arbejder alene, kun mig.",),
    },
    "YOUTH": {
        "en": ("Young at heart", "young at heart, {age}"), "da": ("Ung af sind", "ung i sindet, {age} år"),
    },
    "UNPROTECTED": {
        "en": ("Always with condom.", "Safe sex only!", "condom is a must"),
        "da": ("Altid med kondom.", "Kun sikker sex!", "kondom er et must"),
    },
    "ALWAYS_AVAILABLE": {
        "en": ("Available weekdays 10-18.", "by appointment only, mon-fri 12-20"),
        "da": ("Træffes hverdage 10-18.", "kun efter aftale, man-fre 12-20"),
    },
    "LANGUAGE_BARRIER": {
        "en": ("I speak good English.", "calls and SMS welcome"),
        "da": ("Taler flydende dansk.", "ring eller sms"),
    },
}

GREETINGS = {
    "en": ("Hi gentlemen!", "Hello my dear,", "Hey you :)", "Welcome!", "Hi there", "Good evening,", ""),
    "da": ("Hej søde!", "Hej mand,", "Hej med dig :)", "Velkommen!", "Hejsa", "Godaften,", ""),
}
INTROS = {
    "en": ("I am {name}, {age}.", "My name is {name} and I am {age}.", "{name} here – {age}.",
           "Call me {name}. {age}.", "{name}, {age}, {nat} girl.", "I'm {name} from {natcountry}, {age}."),
    "da": ("Jeg hedder {name}, {age}.", "Mit navn er {name} og jeg er {age}.", "{name} her – {age}.",
           "Kald mig {name}. {age}.", "{name}, {age}, {nat} pige.", "Jeg er {name} fra {natcountry}, {age}."),
}
INTROS_NOAGE = {
    "en": ("I am {name}.", "My name is {name}.", "{name} here!", "Sweet {name} waiting."),
    "da": ("Jeg hedder {name}.", "Mit navn er {name}.", "{name} her!", "Søde {name} venter."),
}
DESCRIPTIONS = {
    "en": ("Sweet, smiling and discreet.", "Elegant lady with a good sense of humour.",
           "Slim, {height} cm, {weight} kg.", "Natural beauty, long hair.", "Relaxing massage and good company.",
           "Clean and cosy apartment.", "Real photos, no surprises.", "Professional and friendly.",
           "Height {height} cm.", "I love good conversation and a glass of wine."),
    "da": ("Sød, smilende og diskret.", "Elegant dame med god humor.", "Slank, {height} cm, {weight} kg.",
           "Naturlig skønhed, langt hår.", "Afslappende massage og hyggeligt selskab.",
           "Rent og hyggeligt sted.", "Ægte billeder, ingen overraskelser.", "Professionel og venlig.",
           "Højde {height} cm.", "Jeg elsker en god snak og et glas vin."),
}
LOCATIONS = {
    "en": ("Incall near {postcode}.", "Private apartment, {postcode}.", "Outcall to hotels in {city}.",
           "Discreet place in {city} centre."),
    "da": ("Incall nær {postcode}.", "Privat lejlighed, {postcode}.", "Kommer også på hotel i {city}.",
           "Diskret sted i {city} centrum."),
}
SPOKEN = {
    "en": ("I speak {langs}.", "Languages: {langs}", "Speaking {langs}."),
    "da": ("Jeg taler {langs}.", "Sprog: {langs}", "Taler {langs}."),
}
PHONE_LEADS = {
    "en": ("Call {p}", "Call/SMS: {p}", "📞 {p}", "Tel: {p}", "My number {p}", "Phone {p} !!", "{p}"),
    "da": ("Ring {p}", "Ring/sms: {p}", "📞 {p}", "Tlf: {p}", "Mit nummer {p}", "Tlf. {p} !!", "{p}"),
}
CLOSINGS = {
    "en": ("Kisses, {name}", "xoxo", "See you soon!", "Don't wait too long ;)", "Ad no. {adno}",
           "Since {year} in this business.", ""),
    "da": ("Kys {name}", "Knus", "Vi ses!", "Vent ikke for længe ;)", "Annonce nr. {adno}",
           "I branchen siden {year}.", ""),
}
TITLES = {
    "en": ("{name}, {age_short} – {city}", "Sweet {name} in {city}", "{NAME} ❤ {city}",
           "New pictures of {name}", "{name} – relax with me", "Beautiful {nat} {name}",
           "{city}: {name} waiting", "{name} {age_short} ✨"),
    "da": ("{name}, {age_short} – {city}", "Søde {name} i {city}", "{NAME} ❤ {city}",
           "Nye billeder af {name}", "{name} – slap af hos mig", "Smukke {nat} {name}",
           "{city}: {name} venter", "{name} {age_short} ✨"),
}
EMOJI = ("😘", "💋", "🔥", "❤️", "🌹", "✨", "😉", "💕", "🥂", "👠")
JUNK = ("&nbsp;", "***", "~*~", "<br>", "<b>", "</b>", "=====", "&amp;", "[b]", "[/b]", "¤¤¤")
HOSTILE = ('<script>alert(1)</script>', '<img src=x onerror="alert(document.cookie)">',
           '"><svg onload=alert(1)>', "javascript:alert('x')", "</textarea><script>fetch('/x')</script>")
EMAIL_DOMAINS = ("gmail.com", "hotmail.com", "outlook.dk", "protonmail.com", "yahoo.com", "live.dk")
EUR_DKK = 7.46
