"""Short third-person facts, like the shared dev set's, with other people and other questions.

Four fictional users with about 40 facts each, written in 2024 and changed in
2025 (a job, a home, a car, a dog, a phone). The questions lean on what the dev
set has little of: paraphrases, questions two or three facts answer together,
facts replaced by newer ones, and what was true before. Written by hand for this
repository; `benchmarks/eval_sets/build.py` turns it into `facts.json`.
"""

# ruff: noqa: E501, RUF001 - hand-written data: one string per fact; Hawaiian words keep the okina
from __future__ import annotations

from benchmarks.eval_sets.model import FactUser, Query

USERS = [
    FactUser(
        "tomasz.w",
        [
            (
                "2024-01-09",
                [
                    ("", "The user's name is Tomasz Wiśniewski.", ["identity"]),
                    ("", "Tomasz is 41 years old.", ["identity"]),
                    (
                        "job_old",
                        "Tomasz drives trams for the Kraków public transport company.",
                        ["work"],
                    ),
                    ("home_old", "Tomasz lives in a block of flats in Nowa Huta.", ["home"]),
                ],
            ),
            (
                "2024-01-15",
                [
                    ("wife", "Tomasz is married to Agnieszka, a court interpreter.", ["family"]),
                    ("son", "Tomasz and Agnieszka have a son, Kuba, who is 14.", ["family"]),
                    (
                        "drums",
                        "Kuba plays the drums in the school jazz band.",
                        ["family", "hobbies"],
                    ),
                ],
            ),
            (
                "2024-02-02",
                [
                    (
                        "aquarium",
                        "Tomasz keeps a saltwater aquarium with clownfish.",
                        ["hobbies", "pets"],
                    ),
                    ("lactose", "Tomasz is lactose intolerant.", ["health", "food"]),
                    (
                        "diabetes",
                        "Tomasz has type 1 diabetes and wears an insulin pump.",
                        ["health"],
                    ),
                ],
            ),
            (
                "2024-02-20",
                [
                    ("", "Tomasz supports the football club Wisła Kraków.", ["hobbies"]),
                    (
                        "wsk",
                        "Tomasz restores old Polish motorcycles, currently a 1972 WSK.",
                        ["hobbies"],
                    ),
                    ("coffee", "Tomasz drinks black coffee with cardamom.", ["food"]),
                    ("accordion", "Tomasz hates the sound of accordions.", ["opinions"]),
                ],
            ),
            (
                "2024-03-11",
                [
                    (
                        "mushrooms",
                        "Tomasz goes mushroom picking in the Niepołomice Forest every autumn.",
                        ["hobbies", "food"],
                    ),
                    (
                        "mother",
                        "Tomasz's mother lives in Zakopane and makes oscypek cheese.",
                        ["family", "food"],
                    ),
                    ("lem", "Tomasz's favorite writer is Stanisław Lem.", ["opinions"]),
                ],
            ),
            (
                "2024-04-06",
                [
                    (
                        "english",
                        "Tomasz is learning English with a tutor on Saturday mornings.",
                        ["education", "schedule"],
                    ),
                    ("", "Tomasz uses a Xiaomi phone.", ["tech"]),
                    (
                        "",
                        "Tomasz works the early shift, starting at 4:30 am.",
                        ["work", "schedule"],
                    ),
                ],
            ),
            (
                "2024-05-19",
                [
                    (
                        "siberia",
                        "Tomasz dreams of riding the Trans-Siberian Railway to Vladivostok.",
                        ["travel", "goals"],
                    ),
                    ("car_old", "Tomasz's car is a 2011 Škoda Fabia.", ["vehicle"]),
                    ("heights", "Tomasz is afraid of heights.", ["health", "opinions"]),
                    ("sister", "Tomasz's sister Ewa is a midwife in Gdańsk.", ["family"]),
                ],
            ),
            (
                "2024-07-03",
                [
                    (
                        "pool",
                        "Tomasz swims at the Park Wodny pool on Fridays.",
                        ["hobbies", "schedule"],
                    ),
                    (
                        "chess",
                        "Tomasz coaches a youth chess club at the local library.",
                        ["hobbies"],
                    ),
                    ("", "Tomasz finds tax forms confusing and pays an accountant.", ["finance"]),
                ],
            ),
            (
                "2024-08-22",
                [
                    ("tattoo", "Tomasz has a tattoo of a tram on his forearm.", ["identity"]),
                    (
                        "pickles",
                        "Tomasz grows cucumbers for pickling on his balcony.",
                        ["hobbies", "food"],
                    ),
                    ("", "Tomasz's wedding anniversary is August 19.", ["family"]),
                ],
            ),
            (
                "2025-01-13",
                [
                    (
                        "job_new",
                        "Tomasz became a tram driving instructor, training new drivers.",
                        ["work"],
                    )
                ],
            ),
            (
                "2025-03-02",
                [
                    (
                        "home_new",
                        "Tomasz and Agnieszka moved to a house with a garden in Wieliczka.",
                        ["home"],
                    )
                ],
            ),
            (
                "2025-04-17",
                [
                    (
                        "car_new",
                        "Tomasz sold the Škoda and now drives a used Toyota Corolla hybrid.",
                        ["vehicle"],
                    )
                ],
            ),
            ("2025-06-10", [("english_new", "Tomasz passed the B2 English exam.", ["education"])]),
            (
                "2025-07-28",
                [
                    (
                        "bass",
                        "Kuba switched from drums to bass guitar and joined a punk band.",
                        ["family"],
                    )
                ],
            ),
            (
                "2025-08-30",
                [
                    (
                        "junak",
                        "Tomasz finished restoring the WSK and started on a 1964 Junak.",
                        ["hobbies"],
                    )
                ],
            ),
            (
                "2025-09-14",
                [
                    (
                        "loop",
                        "Tomasz's endocrinologist switched him to a closed-loop insulin system.",
                        ["health"],
                    )
                ],
            ),
            (
                "2025-10-05",
                [
                    (
                        "rooibos",
                        "Tomasz gave up coffee because of heart palpitations and drinks rooibos instead.",
                        ["food", "health"],
                    )
                ],
            ),
            (
                "2025-10-25",
                [("mandarin", "Tomasz added a mandarin fish to his aquarium.", ["pets"])],
            ),
            (
                "2025-11-20",
                [
                    (
                        "mother_new",
                        "Tomasz's mother moved from Zakopane to live with his sister Ewa in Gdańsk.",
                        ["family"],
                    )
                ],
            ),
        ],
    ),
    FactUser(
        "leilani_k",
        [
            (
                "2024-02-05",
                [
                    ("", "The user's name is Leilani Kahale.", ["identity"]),
                    ("", "Leilani is 29.", ["identity"]),
                    ("home_old", "Leilani lives in Hilo on the Big Island of Hawaiʻi.", ["home"]),
                    (
                        "job_old",
                        "Leilani teaches surfing to tourists at Richardson Beach.",
                        ["work"],
                    ),
                    (
                        "study",
                        "Leilani is studying marine science part-time at the University of Hawaiʻi at Hilo.",
                        ["education"],
                    ),
                ],
            ),
            (
                "2024-02-18",
                [
                    ("hula", "Leilani dances hula with a hālau twice a week.", ["hobbies"]),
                    (
                        "lauhala",
                        "Leilani's grandmother taught her to weave lauhala mats.",
                        ["family", "hobbies"],
                    ),
                    ("", "Leilani eats fish but no other meat.", ["food"]),
                    (
                        "bees",
                        "Leilani is allergic to bee stings and carries an epinephrine pen.",
                        ["health"],
                    ),
                ],
            ),
            (
                "2024-03-07",
                [
                    ("koa", "Leilani has a rescue pit bull named Koa.", ["pets"]),
                    ("car_old", "Leilani drives a rusty 2005 Toyota Tacoma.", ["vehicle"]),
                    ("mateo", "Leilani's boyfriend, Mateo, is a firefighter.", ["relationships"]),
                    (
                        "brother",
                        "Leilani's brother, Kekoa, is in the Coast Guard in Alaska.",
                        ["family"],
                    ),
                ],
            ),
            (
                "2024-04-14",
                [
                    (
                        "uke_old",
                        "Leilani plays ukulele at a café on Friday nights.",
                        ["hobbies", "schedule"],
                    ),
                    ("poke", "Leilani's favorite food is poke with limu.", ["food"]),
                    (
                        "",
                        "Leilani thinks sunscreen with oxybenzone should be banned.",
                        ["opinions"],
                    ),
                    ("", "Leilani wants to become a marine park ranger.", ["goals", "work"]),
                ],
            ),
            (
                "2024-05-30",
                [
                    ("seasick", "Leilani gets seasick on big boats.", ["health"]),
                    (
                        "whales",
                        "Leilani volunteers counting humpback whales each winter.",
                        ["hobbies"],
                    ),
                    ("", "Leilani's birthday is March 3.", ["identity"]),
                    ("", "Leilani uses a Google Pixel.", ["tech"]),
                ],
            ),
            (
                "2024-07-12",
                [
                    ("taro", "Leilani grows taro in her backyard patch.", ["hobbies", "food"]),
                    ("", "Leilani reads books about Hawaiian history.", ["hobbies"]),
                    ("tattoo", "Leilani has a sea turtle tattoo on her ankle.", ["identity"]),
                    (
                        "collarbone",
                        "Leilani broke her collarbone in a surfing wipeout in 2021.",
                        ["health"],
                    ),
                ],
            ),
            (
                "2024-09-03",
                [
                    (
                        "",
                        "Leilani drinks kava with friends on Sunday evenings.",
                        ["food", "schedule"],
                    ),
                    ("mother", "Leilani's mother is a nurse at Hilo Medical Center.", ["family"]),
                    ("islands", "Leilani has never left the Hawaiian islands.", ["travel"]),
                    (
                        "",
                        "Leilani bakes banana bread to sell at the farmers market.",
                        ["food", "work"],
                    ),
                    ("centipedes", "Leilani is afraid of centipedes.", ["opinions"]),
                ],
            ),
            (
                "2025-05-24",
                [
                    (
                        "graduated",
                        "Leilani graduated with a marine science degree in May 2025.",
                        ["education"],
                    )
                ],
            ),
            (
                "2025-06-16",
                [
                    (
                        "job_new",
                        "Leilani became a ranger with the Hawaiʻi Division of Aquatic Resources.",
                        ["work"],
                    )
                ],
            ),
            ("2025-07-01", [("home_new", "Leilani moved to Kona for the ranger job.", ["home"])]),
            (
                "2025-08-09",
                [
                    (
                        "married",
                        "Leilani and Mateo got married in a small ceremony on the beach.",
                        ["relationships"],
                    )
                ],
            ),
            (
                "2025-08-30",
                [
                    (
                        "car_new",
                        "Leilani replaced her Tacoma with a secondhand Subaru Crosstrek.",
                        ["vehicle"],
                    )
                ],
            ),
            (
                "2025-09-21",
                [
                    (
                        "juneau",
                        "Leilani took her first trip off the islands, to visit Kekoa in Juneau.",
                        ["travel", "family"],
                    )
                ],
            ),
            ("2025-10-11", [("koa_died", "Koa the pit bull died at age 13.", ["pets"])]),
            ("2025-11-02", [("mana", "Leilani adopted a poi dog puppy named Mana.", ["pets"])]),
            (
                "2025-12-07",
                [
                    (
                        "uke_new",
                        "Leilani stopped playing at the café and now plays ukulele at her church.",
                        ["hobbies"],
                    )
                ],
            ),
        ],
    ),
    FactUser(
        "u-7c2e91",
        [
            (
                "2024-01-22",
                [
                    ("", "The user's name is Beatriz Costa.", ["identity"]),
                    ("", "Beatriz is 52.", ["identity"]),
                    (
                        "job_old",
                        "Beatriz is an architect who designs schools for the Lisbon city council.",
                        ["work"],
                    ),
                    (
                        "",
                        "Beatriz lives in an old apartment in Alfama with azulejo tiles in the kitchen.",
                        ["home"],
                    ),
                    (
                        "ines",
                        "Beatriz is divorced and has a daughter, Inês, who studies medicine in Coimbra.",
                        ["family"],
                    ),
                ],
            ),
            (
                "2024-02-10",
                [
                    ("fado", "Beatriz plays the Portuguese guitar and loves fado.", ["hobbies"]),
                    (
                        "swim_old",
                        "Beatriz swims in the sea at Carcavelos all year round.",
                        ["hobbies", "health"],
                    ),
                    ("migraine", "Beatriz gets migraines from red wine.", ["health"]),
                    ("coeliac", "Beatriz is coeliac and avoids gluten.", ["health", "food"]),
                ],
            ),
            (
                "2024-03-03",
                [
                    ("vasco", "Beatriz has a parrot named Vasco that says 'bom dia'.", ["pets"]),
                    ("vespa", "Beatriz rides a red Vespa around Lisbon.", ["vehicle"]),
                    (
                        "painter",
                        "Beatriz's favorite painter is Amadeo de Souza-Cardoso.",
                        ["opinions"],
                    ),
                    ("", "Beatriz speaks Portuguese, English and Italian.", ["identity"]),
                ],
            ),
            (
                "2024-04-09",
                [
                    ("father", "Beatriz's father was a fisherman in Nazaré.", ["family"]),
                    (
                        "guidebook",
                        "Beatriz is writing a guidebook to modernist buildings in Lisbon.",
                        ["work", "goals"],
                    ),
                    ("", "Beatriz thinks tourist tuk-tuks are ruining Alfama.", ["opinions"]),
                    ("", "Beatriz drinks a galão every morning at the same café.", ["food"]),
                ],
            ),
            (
                "2024-05-26",
                [
                    (
                        "padel_old",
                        "Beatriz plays padel on Sunday mornings with her cousin Rui.",
                        ["hobbies", "schedule"],
                    ),
                    (
                        "pacemaker",
                        "Beatriz has had a pacemaker since a heart block in 2019.",
                        ["health"],
                    ),
                    ("posters", "Beatriz collects vintage travel posters.", ["hobbies"]),
                    (
                        "hostel",
                        "Beatriz's sister Marta runs a surf hostel in Ericeira.",
                        ["family"],
                    ),
                ],
            ),
            (
                "2024-07-08",
                [
                    (
                        "",
                        "Beatriz draws her first sketches by hand in Moleskine notebooks.",
                        ["work"],
                    ),
                    (
                        "refugees",
                        "Beatriz volunteers teaching Portuguese to refugees on Tuesday evenings.",
                        ["hobbies", "schedule"],
                    ),
                    ("", "Beatriz's birthday is November 11.", ["identity"]),
                    (
                        "camino",
                        "Beatriz wants to walk the Camino de Santiago.",
                        ["travel", "goals"],
                    ),
                ],
            ),
            (
                "2024-09-15",
                [
                    (
                        "dogs",
                        "Beatriz is afraid of dogs since she was bitten as a child.",
                        ["opinions"],
                    ),
                    (
                        "terrace",
                        "Beatriz grows lemons and herbs on her terrace.",
                        ["hobbies", "home"],
                    ),
                    (
                        "douro",
                        "Beatriz goes to the Douro Valley every September for the grape harvest.",
                        ["travel"],
                    ),
                    ("paulo", "Beatriz's ex-husband, Paulo, is a journalist.", ["family"]),
                    ("publico", "Beatriz reads the newspaper Público on paper.", ["hobbies"]),
                ],
            ),
            (
                "2025-01-19",
                [
                    (
                        "job_new",
                        "Beatriz left the city council and opened her own architecture studio, Costa Arquitetos.",
                        ["work"],
                    )
                ],
            ),
            (
                "2025-02-23",
                [
                    (
                        "metro",
                        "Beatriz sold the Vespa after a crash and now takes the metro.",
                        ["vehicle"],
                    )
                ],
            ),
            (
                "2025-03-30",
                [
                    (
                        "residency",
                        "Inês graduated in medicine and is doing her residency in pediatrics in Porto.",
                        ["family"],
                    )
                ],
            ),
            (
                "2025-05-11",
                [
                    (
                        "published",
                        "Beatriz's guidebook, 'Lisboa Moderna', was published in 2025.",
                        ["work"],
                    )
                ],
            ),
            (
                "2025-06-22",
                [
                    (
                        "walked",
                        "Beatriz walked the Portuguese Camino from Porto to Santiago in 12 days.",
                        ["travel"],
                    )
                ],
            ),
            (
                "2025-07-27",
                [("beep", "Vasco the parrot learned to imitate the microwave beep.", ["pets"])],
            ),
            (
                "2025-09-07",
                [
                    (
                        "henrique",
                        "Beatriz started dating Henrique, a cellist in the Gulbenkian Orchestra.",
                        ["relationships"],
                    )
                ],
            ),
            (
                "2025-11-16",
                [
                    (
                        "swim_new",
                        "Beatriz stopped swimming in winter after a bout of pneumonia.",
                        ["health"],
                    )
                ],
            ),
            (
                "2025-12-14",
                [
                    (
                        "padel_new",
                        "Beatriz's cousin Rui moved to Brazil, so she now plays padel with Henrique.",
                        ["hobbies"],
                    )
                ],
            ),
        ],
    ),
    FactUser(
        "ørjan",
        [
            (
                "2024-01-04",
                [
                    ("", "The user's name is Ørjan Dahl.", ["identity"]),
                    ("", "Ørjan is 60.", ["identity"]),
                    (
                        "job_old",
                        "Ørjan is the skipper of a cod fishing boat out of Tromsø.",
                        ["work"],
                    ),
                    ("", "Ørjan lives in a red wooden house on Kvaløya.", ["home"]),
                    ("sigrid", "Ørjan is a widower; his wife Sigrid died in 2019.", ["family"]),
                ],
            ),
            (
                "2024-01-28",
                [
                    (
                        "daughters",
                        "Ørjan has two daughters, Ingvild in Oslo and Hedda in Bergen.",
                        ["family"],
                    ),
                    ("bamse", "Ørjan has an old Norwegian elkhound named Bamse.", ["pets"]),
                    (
                        "ski",
                        "Ørjan cross-country skis every weekend in winter.",
                        ["hobbies", "schedule"],
                    ),
                    ("tinnitus", "Ørjan has tinnitus from years of engine noise.", ["health"]),
                ],
            ),
            (
                "2024-02-25",
                [
                    ("", "Ørjan makes his own lutefisk every Christmas.", ["food"]),
                    ("aquavit", "Ørjan drinks aquavit only on Constitution Day.", ["food"]),
                    ("accordion", "Ørjan plays accordion in a folk band.", ["hobbies"]),
                    ("car_old", "Ørjan drives a 2008 Volvo V70.", ["vehicle"]),
                ],
            ),
            (
                "2024-03-31",
                [
                    (
                        "camera_old",
                        "Ørjan photographs the northern lights with a Nikon D750.",
                        ["hobbies", "tech"],
                    ),
                    ("hamsun", "Ørjan's favorite author is Knut Hamsun.", ["opinions"]),
                    ("farming", "Ørjan thinks fish farming is ruining the fjords.", ["opinions"]),
                    ("statins", "Ørjan has high cholesterol and takes statins.", ["health"]),
                ],
            ),
            (
                "2024-05-12",
                [
                    ("spoons", "Ørjan carves wooden spoons from birch.", ["hobbies"]),
                    ("narvik", "Ørjan's brother Arne runs a hardware shop in Narvik.", ["family"]),
                    (
                        "russian",
                        "Ørjan speaks some Russian from years of trading in Murmansk.",
                        ["identity"],
                    ),
                    ("", "Ørjan's birthday is June 21.", ["identity"]),
                ],
            ),
            (
                "2024-06-23",
                [
                    ("sleep", "Ørjan sleeps badly during the midnight sun.", ["health"]),
                    (
                        "forecast",
                        "Ørjan listens to the shipping forecast every evening.",
                        ["schedule"],
                    ),
                    (
                        "swim_old",
                        "Ørjan never learned to swim, like many fishermen of his generation.",
                        ["health"],
                    ),
                    ("phone_old", "Ørjan uses an old Nokia flip phone.", ["tech"]),
                ],
            ),
            (
                "2024-08-18",
                [
                    (
                        "rowboat",
                        "Ørjan is restoring his grandfather's wooden rowboat.",
                        ["hobbies"],
                    ),
                    (
                        "galapagos",
                        "Ørjan wants to see the Galápagos Islands before he dies.",
                        ["travel", "goals"],
                    ),
                    ("even", "Ørjan has one grandchild, Ingvild's son Even, who is 5.", ["family"]),
                    ("rescue", "Ørjan volunteers with the sea rescue society.", ["hobbies"]),
                    ("", "Ørjan dislikes the cruise ships in Tromsø harbour.", ["opinions"]),
                ],
            ),
            (
                "2025-02-09",
                [("retired", "Ørjan sold his share of the fishing boat and retired.", ["work"])],
            ),
            (
                "2025-02-27",
                [
                    (
                        "whales",
                        "Ørjan now works part-time guiding whale-watching trips in winter.",
                        ["work", "schedule"],
                    )
                ],
            ),
            (
                "2025-04-06",
                [("car_new", "Ørjan replaced his Volvo with an electric Polestar 2.", ["vehicle"])],
            ),
            (
                "2025-05-18",
                [
                    (
                        "liv",
                        "Ørjan's daughter Hedda had a baby girl, Liv, so he now has two grandchildren.",
                        ["family"],
                    )
                ],
            ),
            (
                "2025-06-15",
                [
                    (
                        "rowboat_done",
                        "Ørjan finished restoring the rowboat and launched it in June 2025.",
                        ["hobbies"],
                    )
                ],
            ),
            (
                "2025-08-03",
                [
                    (
                        "nanuk",
                        "Bamse the elkhound died, and Ørjan adopted a rescue husky called Nanuk.",
                        ["pets"],
                    )
                ],
            ),
            (
                "2025-09-07",
                [
                    (
                        "phone_new",
                        "Ørjan switched from his Nokia to an iPhone to video call his grandchildren.",
                        ["tech", "family"],
                    )
                ],
            ),
            (
                "2025-10-12",
                [
                    (
                        "swim_new",
                        "Ørjan started learning to swim at 61 at the Tromsøbadet pool.",
                        ["health", "hobbies"],
                    )
                ],
            ),
            (
                "2025-11-09",
                [
                    (
                        "booked",
                        "Ørjan booked a trip to the Galápagos Islands for February 2026.",
                        ["travel"],
                    )
                ],
            ),
            (
                "2025-12-01",
                [
                    (
                        "camera_new",
                        "Ørjan now photographs the aurora with a Sony A7 IV mirrorless camera.",
                        ["hobbies", "tech"],
                    )
                ],
            ),
        ],
    ),
]

_TOMASZ, _LEILANI, _BEATRIZ, _ORJAN = (user.user_id for user in USERS)

QUERIES = [
    # Tomasz
    Query(_TOMASZ, "Who is Tomasz's favorite writer?", ["lem"], "lexical"),
    Query(_TOMASZ, "Where does Tomasz go mushroom picking?", ["mushrooms"], "lexical"),
    Query(_TOMASZ, "What is Tomasz's tattoo of?", ["tattoo"], "lexical"),
    Query(_TOMASZ, "Which dairy sugar can't he digest?", ["lactose"], "paraphrase"),
    Query(_TOMASZ, "What metabolic disease does he manage?", ["diabetes", "loop"], "paraphrase"),
    Query(_TOMASZ, "Which sci-fi novelist does he admire most?", ["lem"], "paraphrase"),
    Query(_TOMASZ, "What instrument's noise drives him crazy?", ["accordion"], "paraphrase"),
    Query(
        _TOMASZ,
        "Which rail journey across Russia is on his bucket list?",
        ["siberia"],
        "paraphrase",
    ),
    Query(_TOMASZ, "Which medical job does his female sibling have?", ["sister"], "paraphrase"),
    Query(_TOMASZ, "What is he scared of?", ["heights"], "paraphrase"),
    Query(_TOMASZ, "Which board game does he teach kids?", ["chess"], "paraphrase"),
    Query(_TOMASZ, "How does he get exercise at the end of the week?", ["pool"], "paraphrase"),
    Query(_TOMASZ, "What fish does Tomasz keep?", ["aquarium", "mandarin"], "multi_fact"),
    Query(
        _TOMASZ, "What does Tomasz grow or gather to eat?", ["mushrooms", "pickles"], "multi_fact"
    ),
    Query(_TOMASZ, "What do Tomasz's wife and son do?", ["wife", "drums", "bass"], "multi_fact"),
    Query(_TOMASZ, "What is Tomasz's job now?", ["job_new"], "temporal"),
    Query(_TOMASZ, "Where does Tomasz live now?", ["home_new"], "temporal"),
    Query(_TOMASZ, "What car does Tomasz currently drive?", ["car_new"], "temporal"),
    Query(_TOMASZ, "What does Tomasz drink nowadays?", ["rooibos"], "temporal"),
    Query(_TOMASZ, "Where does Tomasz's mother live now?", ["mother_new"], "temporal"),
    Query(_TOMASZ, "Which motorcycles has Tomasz restored?", ["wsk", "junak"], "update"),
    Query(_TOMASZ, "How has Kuba's music changed?", ["drums", "bass"], "update"),
    Query(_TOMASZ, "How has Tomasz's English progressed?", ["english", "english_new"], "update"),
    Query(_TOMASZ, "What did Tomasz drink before he quit caffeine?", ["coffee"], "earlier"),
    Query(_TOMASZ, "Where did Tomasz live before Wieliczka?", ["home_old"], "earlier"),
    Query(_TOMASZ, "What breed is Tomasz's dog Koa?", [], "cross_user_trap"),
    Query(_TOMASZ, "Where does Tomasz's sister run a surf hostel?", [], "cross_user_trap"),
    # Leilani
    Query(_LEILANI, "Which beach does Leilani teach surfing at?", ["job_old"], "lexical"),
    Query(_LEILANI, "What did Leilani's grandmother teach her?", ["lauhala"], "lexical"),
    Query(_LEILANI, "Where is Leilani's sea turtle tattoo?", ["tattoo"], "lexical"),
    Query(_LEILANI, "Which insect could cause her a severe reaction?", ["bees"], "paraphrase"),
    Query(_LEILANI, "What creepy crawlies frighten her?", ["centipedes"], "paraphrase"),
    Query(
        _LEILANI, "Which Polynesian art form does she perform in a troupe?", ["hula"], "paraphrase"
    ),
    Query(_LEILANI, "Where is her mom employed?", ["mother"], "paraphrase"),
    Query(_LEILANI, "What happened when she fell off her board?", ["collarbone"], "paraphrase"),
    Query(_LEILANI, "What makes her ill on ships?", ["seasick"], "paraphrase"),
    Query(_LEILANI, "Which raw dish does she love to eat?", ["poke"], "paraphrase"),
    Query(_LEILANI, "What root vegetable does she cultivate at home?", ["taro"], "paraphrase"),
    Query(_LEILANI, "Which military branch does her sibling serve in?", ["brother"], "paraphrase"),
    Query(_LEILANI, "Which dogs has Leilani had?", ["koa", "koa_died", "mana"], "multi_fact"),
    Query(
        _LEILANI,
        "What does Leilani do on Friday nights and in winter?",
        ["uke_old", "whales"],
        "multi_fact",
    ),
    Query(
        _LEILANI,
        "What do Leilani's mother and brother do for work?",
        ["mother", "brother"],
        "multi_fact",
    ),
    Query(_LEILANI, "What is Leilani's job now?", ["job_new"], "temporal"),
    Query(_LEILANI, "Where does Leilani live now?", ["home_new"], "temporal"),
    Query(_LEILANI, "What car does Leilani drive now?", ["car_new"], "temporal"),
    Query(_LEILANI, "Is Leilani still dating Mateo?", ["married"], "temporal"),
    Query(_LEILANI, "Has Leilani still never left the Hawaiian islands?", ["juneau"], "temporal"),
    Query(_LEILANI, "Where does Leilani play ukulele now?", ["uke_new"], "temporal"),
    Query(
        _LEILANI,
        "How has Leilani's relationship with Mateo changed?",
        ["mateo", "married"],
        "update",
    ),
    Query(
        _LEILANI,
        "How did Leilani's marine science studies turn out?",
        ["study", "graduated"],
        "update",
    ),
    Query(
        _LEILANI, "What did Leilani do for work before becoming a ranger?", ["job_old"], "earlier"
    ),
    Query(_LEILANI, "What was the name of Leilani's first dog?", ["koa", "koa_died"], "earlier"),
    Query(_LEILANI, "Which motorcycle is Leilani restoring?", [], "cross_user_trap"),
    Query(_LEILANI, "What is the name of Leilani's parrot?", [], "cross_user_trap"),
    # Beatriz
    Query(_BEATRIZ, "Which painter does Beatriz like most?", ["painter"], "lexical"),
    Query(_BEATRIZ, "Where does Beatriz's sister run a hostel?", ["hostel"], "lexical"),
    Query(_BEATRIZ, "What is Beatriz's guidebook called?", ["published"], "lexical"),
    Query(_BEATRIZ, "Which newspaper does Beatriz read?", ["publico"], "lexical"),
    Query(_BEATRIZ, "Which grain protein makes her sick?", ["coeliac"], "paraphrase"),
    Query(_BEATRIZ, "What gives her terrible headaches?", ["migraine"], "paraphrase"),
    Query(_BEATRIZ, "What bird lives in her flat?", ["vasco", "beep"], "paraphrase"),
    Query(_BEATRIZ, "What did her dad do for a living?", ["father"], "paraphrase"),
    Query(
        _BEATRIZ, "Which animal does she fear after an attack in childhood?", ["dogs"], "paraphrase"
    ),
    Query(_BEATRIZ, "What traditional music does she perform?", ["fado"], "paraphrase"),
    Query(_BEATRIZ, "How does she help asylum seekers?", ["refugees"], "paraphrase"),
    Query(
        _BEATRIZ, "What implanted device regulates her cardiac rhythm?", ["pacemaker"], "paraphrase"
    ),
    Query(_BEATRIZ, "What old advertisements does she hoard?", ["posters"], "paraphrase"),
    Query(_BEATRIZ, "What sounds does Beatriz's parrot make?", ["vasco", "beep"], "multi_fact"),
    Query(
        _BEATRIZ,
        "What does Beatriz grow at home, and where does she go for the grape harvest?",
        ["terrace", "douro"],
        "multi_fact",
    ),
    Query(
        _BEATRIZ,
        "What do Beatriz's daughter and ex-husband do?",
        ["ines", "paulo", "residency"],
        "multi_fact",
    ),
    Query(_BEATRIZ, "Where does Beatriz work now?", ["job_new"], "temporal"),
    Query(_BEATRIZ, "How does Beatriz get around Lisbon now?", ["metro"], "temporal"),
    Query(_BEATRIZ, "Does Beatriz still swim in the sea in winter?", ["swim_new"], "temporal"),
    Query(_BEATRIZ, "Who does Beatriz play padel with now?", ["padel_new"], "temporal"),
    Query(_BEATRIZ, "What is Inês doing now?", ["residency"], "temporal"),
    Query(
        _BEATRIZ,
        "How has Beatriz's guidebook project progressed?",
        ["guidebook", "published"],
        "update",
    ),
    Query(_BEATRIZ, "How did Beatriz's Camino plans turn out?", ["camino", "walked"], "update"),
    Query(
        _BEATRIZ, "Where did Beatriz work before opening her own studio?", ["job_old"], "earlier"
    ),
    Query(_BEATRIZ, "What did Beatriz ride before she sold it?", ["vespa", "metro"], "earlier"),
    Query(_BEATRIZ, "What is the name of Beatriz's elkhound?", [], "cross_user_trap"),
    # Ørjan
    Query(_ORJAN, "Which folk instrument does Ørjan play?", ["accordion"], "lexical"),
    Query(_ORJAN, "What does Ørjan listen to every evening?", ["forecast"], "lexical"),
    Query(_ORJAN, "Where does Ørjan's brother run a hardware shop?", ["narvik"], "lexical"),
    Query(_ORJAN, "Who is Ørjan's favorite author?", ["hamsun"], "lexical"),
    Query(_ORJAN, "What hearing problem does he suffer from?", ["tinnitus"], "paraphrase"),
    Query(_ORJAN, "Which liquor does he allow himself once a year?", ["aquavit"], "paraphrase"),
    Query(_ORJAN, "What lipid problem is he medicated for?", ["statins"], "paraphrase"),
    Query(_ORJAN, "What's his view on salmon aquaculture?", ["farming"], "paraphrase"),
    Query(_ORJAN, "What does he whittle?", ["spoons"], "paraphrase"),
    Query(
        _ORJAN, "Which foreign tongue did he pick up through commerce?", ["russian"], "paraphrase"
    ),
    Query(_ORJAN, "What lifesaving organisation does he help out?", ["rescue"], "paraphrase"),
    Query(_ORJAN, "Why is he restless in summer?", ["sleep"], "paraphrase"),
    Query(_ORJAN, "What happened to his late spouse?", ["sigrid"], "paraphrase"),
    Query(_ORJAN, "Who are Ørjan's grandchildren?", ["even", "liv"], "multi_fact"),
    Query(_ORJAN, "What does Ørjan do in winter?", ["ski", "whales"], "multi_fact"),
    Query(
        _ORJAN,
        "Where do Ørjan's daughters and brother live?",
        ["daughters", "narvik"],
        "multi_fact",
    ),
    Query(_ORJAN, "Does Ørjan still fish for cod?", ["retired"], "temporal"),
    Query(_ORJAN, "What car does Ørjan drive now?", ["car_new"], "temporal"),
    Query(_ORJAN, "How many grandkids does Ørjan have these days?", ["liv"], "temporal"),
    Query(_ORJAN, "What phone does Ørjan use now?", ["phone_new"], "temporal"),
    Query(_ORJAN, "Which dog does Ørjan have now?", ["nanuk"], "temporal"),
    Query(_ORJAN, "What camera does Ørjan shoot the aurora with now?", ["camera_new"], "temporal"),
    Query(_ORJAN, "How has Ørjan's swimming changed?", ["swim_old", "swim_new"], "update"),
    Query(_ORJAN, "How did Ørjan's Galápagos dream progress?", ["galapagos", "booked"], "update"),
    Query(_ORJAN, "How did Ørjan's rowboat restoration go?", ["rowboat", "rowboat_done"], "update"),
    Query(_ORJAN, "What did Ørjan do before he retired?", ["job_old", "retired"], "earlier"),
    Query(_ORJAN, "Which camera did Ørjan use before the Sony?", ["camera_old"], "earlier"),
    Query(_ORJAN, "What is Ørjan's parrot called?", [], "cross_user_trap"),
    Query(_ORJAN, "How old is Ørjan's son Kuba?", [], "cross_user_trap"),
]
