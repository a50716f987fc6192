"""Long chats between two friends, about 90 turns per user over nine sessions.

Three fictional users, each chatting with a friend over a year and a half; both
sides' turns are stored, small talk included, so most memories share a topic
with several others. Questions are mostly asked in the words of the turn that
answers them, as in benchmarks built from chat logs ("What did Jules name the
Airstream?"), with "when did ..." questions, questions that need several turns,
and questions about the present after something changed. Written by hand for
this repository; `benchmarks/eval_sets/build.py` turns it into `chats.json`.
"""

# ruff: noqa: E501 - hand-written data: one string per chat turn
from __future__ import annotations

from benchmarks.eval_sets.model import Query, User

USERS = [
    User(
        "jules.m",
        [
            (
                "2023-03-04T19:00:00Z",
                [
                    (
                        "",
                        "Tess",
                        "Jules! Finally. How was your first month on the new ambulance crew? You said the west side station is chaos.",
                    ),
                    (
                        "job_old",
                        "Jules",
                        "Chaos is generous. I'm a paramedic at Station 8 on the west side now, twelve-hour day shifts, and last Tuesday we ran nine calls before lunch. My partner Dre is great though.",
                    ),
                    (
                        "",
                        "Tess",
                        "Nine before lunch is wild. Do you at least get to eat? I'm living on cold coffee and ranunculus at the shop, spring orders are starting.",
                    ),
                    (
                        "tess_shop",
                        "Tess",
                        "Actually, big news on my side: the landlord next door is retiring and I might take over his space to make the flower shop twice as big.",
                    ),
                    (
                        "",
                        "Jules",
                        "Tess that's amazing! Bloom & Thistle doubling in size. You should put a little coffee counter in there, people would linger.",
                    ),
                    (
                        "airstream",
                        "Jules",
                        "My weekend project is going well too. I bought a 1978 Airstream trailer off a farmer in Frederick for $6,000. It has a raccoon nest in it and no floor, but the shell is solid.",
                    ),
                    (
                        "",
                        "Tess",
                        "A raccoon nest and no floor, sounds like my first apartment. Are you going to live in it or just take it camping?",
                    ),
                    (
                        "",
                        "Jules",
                        "Camping. The dream is a road trip out to Big Bend once it's done. Right now it's just me with a heat gun and a lot of podcasts.",
                    ),
                    (
                        "saturn",
                        "Jules",
                        "Also I finally joined the Baltimore Astronomical Society. They do star parties at a dark site in Harford County, and someone let me look at Saturn through a 14-inch telescope. I nearly cried.",
                    ),
                    (
                        "",
                        "Tess",
                        "You and your rings. The twins keep asking when you'll come over with the 'space binoculars' again, they talk about it constantly.",
                    ),
                ],
            ),
            (
                "2023-04-22T18:30:00Z",
                [
                    (
                        "shelter",
                        "Jules",
                        "I started volunteering at the BARCS animal shelter on my days off, walking the big dogs nobody picks. Today I walked a pit mix named Biscotti who leaned on me the whole time.",
                    ),
                    (
                        "",
                        "Tess",
                        "Oh no. You're going to adopt Biscotti, I can feel it from here. Nobody survives a leaning dog.",
                    ),
                    (
                        "home_old",
                        "Jules",
                        "I can't, my apartment in Hampden doesn't allow dogs. My landlord is very clear about that, he has a laminated sign in the hallway.",
                    ),
                    (
                        "derby",
                        "Tess",
                        "Speaking of bruises, I joined a roller derby league. The Charm City rec team. My derby name is Petal to the Metal.",
                    ),
                    (
                        "",
                        "Jules",
                        "PETAL TO THE METAL. Tess, that's perfect. I'm coming to every bout with a sign, and I'm making it glitter.",
                    ),
                    (
                        "",
                        "Jules",
                        "Work note: I got recertified in advanced cardiac life support last week. The instructor made us run a code on a mannequin named Gary for forty minutes.",
                    ),
                    (
                        "engaged",
                        "Jules",
                        "And my sister Camille got engaged! Her fiancé Marcus proposed at an Orioles game on the jumbotron, which is very on brand for both of them.",
                    ),
                    (
                        "",
                        "Tess",
                        "A jumbotron proposal! That's either romantic or a hostage situation. When's the wedding going to be?",
                    ),
                    (
                        "wedding_plan",
                        "Jules",
                        "Next June in Annapolis, on the water. I'm the maid of honor, so I'll be planning a bachelorette, which terrifies me more than any cardiac arrest.",
                    ),
                ],
            ),
            (
                "2023-06-10T20:00:00Z",
                [
                    (
                        "portuguese",
                        "Jules",
                        "I signed up for Portuguese classes at the community college, Tuesday nights. Dre's family is from Salvador in Brazil and he invited me to his cousin's wedding there next year.",
                    ),
                    (
                        "",
                        "Tess",
                        "Brazil! Okay I'm jealous. Can you say anything useful yet, or just the swear words Dre taught you?",
                    ),
                    (
                        "",
                        "Jules",
                        "I can say 'where is the bathroom' and 'I am a paramedic', which is a weird combination for small talk at a wedding.",
                    ),
                    (
                        "cakes",
                        "Tess",
                        "The twins turned six on Saturday. Theo wanted a dinosaur cake and Ivy wanted a cake shaped like a bee, so I made both and then slept for eleven hours.",
                    ),
                    (
                        "",
                        "Jules",
                        "You're a hero. Did the bee cake survive the party, or did Theo's dinosaur eat it? I need the full report.",
                    ),
                    (
                        "",
                        "Tess",
                        "Mostly survived. One wing fell off in the car. Ivy said it was 'a brave bee'. I'm framing that sentence.",
                    ),
                    (
                        "subfloor",
                        "Jules",
                        "Airstream update: the new subfloor is in, marine plywood, and I rebuilt the rear frame where it had rusted through. My neighbor lent me a welder and supervised with a beer.",
                    ),
                    (
                        "",
                        "Tess",
                        "Look at you welding! Are you doing the interior yourself too, or hiring someone with actual training?",
                    ),
                    (
                        "",
                        "Jules",
                        "Mostly myself. I want birch plywood cabinets and a little fold-down table where I can do star charts at night.",
                    ),
                    (
                        "running",
                        "Jules",
                        "Also I've started running again, three mornings a week around Druid Hill Park, because twelve-hour shifts plus gas station dinners were catching up with me.",
                    ),
                ],
            ),
            (
                "2023-08-19T17:15:00Z",
                [
                    (
                        "ankle",
                        "Jules",
                        "I sprained my ankle on a call, stepping off the rig onto a curb in the dark. I'm on light duty for three weeks, which mostly means restocking supplies and going slowly insane.",
                    ),
                    (
                        "",
                        "Tess",
                        "Ugh, light duty is the worst. Want me to bring you soup? I make a mean lentil soup now, ask the twins.",
                    ),
                    (
                        "",
                        "Jules",
                        "Yes please. Also bring the twins, I need small people to tell me about dinosaurs while I lie on the couch.",
                    ),
                    (
                        "wreaths",
                        "Tess",
                        "The shop expansion is done! We knocked through the wall and added a workshop space. I'm teaching wreath-making classes on Thursday evenings now.",
                    ),
                    (
                        "",
                        "Jules",
                        "Thursday wreath classes! Sign me up once I can stand for more than ten minutes without whining.",
                    ),
                    (
                        "jupiter",
                        "Jules",
                        "Stuck at home so I've been doing astronomy from my fire escape. Caught Jupiter's moons with my little 4-inch refractor, all four of them lined up.",
                    ),
                    (
                        "",
                        "Tess",
                        "From the fire escape in Hampden? With all the streetlights and the neighbors' porch lights? I can barely see the moon from there.",
                    ),
                    (
                        "",
                        "Jules",
                        "Light pollution is brutal, but Jupiter is bright enough to punch through. The dark site is for galaxies and faint stuff.",
                    ),
                    (
                        "nashville",
                        "Jules",
                        "Camille wants the bachelorette to be a weekend in Nashville. I've been assigned cowboy hats for twelve people and a playlist without any Taylor Swift, which is an impossible task.",
                    ),
                    (
                        "",
                        "Tess",
                        "No Taylor Swift in Nashville. That's the real hostage situation. Good luck with the hats, at least.",
                    ),
                ],
            ),
            (
                "2023-11-04T16:40:00Z",
                [
                    (
                        "job_new",
                        "Jules",
                        "Decision made: I applied for the flight medic position with Maryland State Police Aviation and got it! I start in January. Helicopters, Tess.",
                    ),
                    (
                        "",
                        "Tess",
                        "HELICOPTERS. Are you scared of heights at all? I'd be sick before we left the ground, honestly.",
                    ),
                    (
                        "",
                        "Jules",
                        "Not heights, but I get motion sick in the back of a car. They say you get used to the helicopter. We'll see.",
                    ),
                    (
                        "training",
                        "Jules",
                        "Training is eight weeks at the Martin State Airport base in Middle River, then I'm assigned to Trooper 2 out of Andrews. Dre is pretending not to be sad about losing his partner.",
                    ),
                    (
                        "wrist_broken",
                        "Tess",
                        "Derby update: I broke my wrist in a bout in October. Petal to the Metal is benched. I'm doing arrangements one-handed with a cast, which my staff thinks is hilarious.",
                    ),
                    (
                        "",
                        "Jules",
                        "Oh Tess. Send me the x-ray, I love a good fracture. Professionally, I mean. Also as a friend.",
                    ),
                    (
                        "dolores",
                        "Jules",
                        "The Airstream is basically done! I named her Dolores. First trip is going to be Assateague Island over Thanksgiving weekend, with the wild ponies.",
                    ),
                    (
                        "",
                        "Tess",
                        "Dolores! Take me on the next trip, I want to see ponies and not think about poinsettias for a weekend.",
                    ),
                    (
                        "cottage",
                        "Jules",
                        "Camille and Marcus bought a house in Annapolis, a little blue cottage near the Naval Academy. The wedding is still set for June.",
                    ),
                    (
                        "",
                        "Tess",
                        "A blue cottage. Very grown up of them. Are you still on for the wedding flowers consult at the shop next month?",
                    ),
                ],
            ),
            (
                "2024-01-27T18:00:00Z",
                [
                    (
                        "assateague",
                        "Jules",
                        "Assateague was perfect, by the way, I never told you. Ponies wandered through the campsite at dawn and one tried to eat my hat. Dolores held up great, only the water pump leaked.",
                    ),
                    (
                        "",
                        "Tess",
                        "I'm so glad. Did you see the stars out there? There's basically no light pollution on the island.",
                    ),
                    (
                        "milky_way",
                        "Jules",
                        "The Milky Way was so bright it cast shadows. I photographed it with my phone on a tripod, best astro picture I've ever taken.",
                    ),
                    (
                        "dunker",
                        "Jules",
                        "First week of flight medic training done. We did water survival in a pool with a dunker, where they flip you upside down in a fake helicopter cabin. I came out coughing but passed.",
                    ),
                    (
                        "",
                        "Tess",
                        "Upside down underwater on purpose?! I'm dizzy just reading that. You're braver than me. Way braver, for the record.",
                    ),
                    (
                        "move",
                        "Jules",
                        "Also, I'm moving! The commute to Andrews from Hampden would be brutal, so I signed a lease on a rowhouse in Hyattsville with a little yard. Moving day is February 10.",
                    ),
                    (
                        "",
                        "Tess",
                        "A yard! Does that mean what I think it means? Please say it means what I think it means. A DOG?",
                    ),
                    (
                        "biscotti_visit",
                        "Jules",
                        "It means the lease allows dogs. I called BARCS and Biscotti is still there, eight months later. I'm meeting him again Saturday to see if he remembers me.",
                    ),
                    (
                        "",
                        "Tess",
                        "He will. Dogs always remember the person who walked them slowly and let them sniff everything.",
                    ),
                    (
                        "cast_off",
                        "Tess",
                        "My cast came off. The wrist is stiff but I'm back to doing bridal bouquets. No derby until spring, doctor's orders.",
                    ),
                ],
            ),
            (
                "2024-03-16T19:20:00Z",
                [
                    (
                        "adopted",
                        "Jules",
                        "I adopted Biscotti! He's been in Hyattsville for three weeks and he's claimed the couch, the bed, and half of the yard for napping in the sun.",
                    ),
                    (
                        "",
                        "Tess",
                        "BISCOTTI. I knew it the day you met him. Send pictures immediately, I need them for my mental health.",
                    ),
                    (
                        "",
                        "Jules",
                        "He's scared of the vacuum and the mailman and loves every single child he meets. The twins would destroy him with love.",
                    ),
                    (
                        "first_mission",
                        "Jules",
                        "I flew my first real mission on Trooper 2 last week: a rollover crash on Route 301, we flew the driver to Shock Trauma in eleven minutes. My hands didn't stop shaking until I got home.",
                    ),
                    (
                        "",
                        "Tess",
                        "That's incredible and terrifying at the same time. Did you get motion sick up there? Tell me everything.",
                    ),
                    (
                        "",
                        "Jules",
                        "Not even once. Adrenaline is the best anti-nausea medication there is, I should write a paper.",
                    ),
                    (
                        "telenovela",
                        "Jules",
                        "My Portuguese teacher says I'm at an intermediate level now. I watched a whole Brazilian telenovela episode without subtitles, though I mostly followed it through facial expressions.",
                    ),
                    (
                        "fells_point",
                        "Tess",
                        "Business stuff: I'm opening a second Bloom & Thistle in Fells Point in May. Same name, smaller, mostly grab-and-go bouquets and plants.",
                    ),
                    (
                        "",
                        "Jules",
                        "A second shop! Tess, you're an empire. Fells Point is perfect for that, all those people walking by the water.",
                    ),
                    (
                        "",
                        "Tess",
                        "An empire with a stiff wrist and two six-year-olds. But yes. I'm terrified and thrilled in equal measure.",
                    ),
                ],
            ),
            (
                "2024-06-22T20:10:00Z",
                [
                    (
                        "wedding",
                        "Jules",
                        "Camille's wedding was last Saturday. It rained all morning and cleared up exactly at four, right as she walked down the dock. My maid of honor speech made Marcus's dad cry.",
                    ),
                    (
                        "",
                        "Tess",
                        "Did the flowers hold up in the humidity? I was so worried about the peonies all week. I checked the forecast hourly.",
                    ),
                    (
                        "",
                        "Jules",
                        "Your peonies were the star. Three people asked who did the flowers and I gave them all your card.",
                    ),
                    (
                        "brazil_plan",
                        "Jules",
                        "Next month is Brazil! Dre's cousin's wedding in Salvador on July 20, and then we're staying ten days. I've been practicing my Portuguese on Biscotti, he's unimpressed.",
                    ),
                    (
                        "",
                        "Tess",
                        "Who's watching Biscotti while you're gone? You know I would, but the twins would dress him up.",
                    ),
                    (
                        "sitter",
                        "Jules",
                        "My neighbor's teenage daughter, Nia, is house-sitting. She's already made him a bandana with his name on it.",
                    ),
                    (
                        "skates",
                        "Tess",
                        "I'm back on skates! First bout since the wrist was last weekend, and I scored twice as jammer. Petal to the Metal lives.",
                    ),
                    (
                        "",
                        "Jules",
                        "PETAL LIVES. I'll be at the next one with the glitter sign, I promise. Maybe with Biscotti in a helmet.",
                    ),
                    (
                        "tri_signup",
                        "Jules",
                        "I signed up for my first sprint triathlon in September at Columbia. The swim is what scares me, 750 meters in a lake. The dunker training helped with the panic, weirdly.",
                    ),
                    (
                        "",
                        "Tess",
                        "You've been upside down underwater in a fake helicopter, a lake is nothing. The ducks will be impressed.",
                    ),
                ],
            ),
            (
                "2024-09-28T15:30:00Z",
                [
                    (
                        "salvador",
                        "Jules",
                        "Brazil was incredible. The wedding in Salvador went until four in the morning, and I danced axé with Dre's grandmother, who is 84 and had more energy than me.",
                    ),
                    (
                        "",
                        "Tess",
                        "Four in the morning with an 84-year-old! Did your Portuguese hold up under pressure? Be honest with me.",
                    ),
                    (
                        "",
                        "Jules",
                        "It held up for ordering food and complimenting grandmothers. I totally failed at understanding the jokes.",
                    ),
                    (
                        "tri_done",
                        "Jules",
                        "And I finished the Columbia triathlon! 1 hour 32 minutes. The swim was slow, but I passed six people on the bike. Biscotti greeted me at the finish with Nia.",
                    ),
                    (
                        "",
                        "Tess",
                        "1:32 for your first one is amazing. Are you doing another one, or was that a one-time madness?",
                    ),
                    (
                        "olympic",
                        "Jules",
                        "I think so, maybe an Olympic distance next summer. Don't let me sign up for an Ironman. Ever. Hold me to that.",
                    ),
                    (
                        "farmhouse",
                        "Tess",
                        "News from me: we're moving out of the city to a farmhouse near Sparks with five acres. The twins want goats. I want a cutting garden for the shops.",
                    ),
                    (
                        "",
                        "Jules",
                        "A farmhouse! Flowers and goats and twins. Can Dolores and I park in your field when we visit?",
                    ),
                    (
                        "big_bend",
                        "Jules",
                        "Speaking of Dolores, I've booked the Big Bend trip for March: two weeks, Biscotti riding shotgun. The dark skies out there are some of the best in the country.",
                    ),
                    (
                        "",
                        "Tess",
                        "Of course you're going to the darkest place in America. Send me a photo of the Milky Way, and one of Biscotti in a tiny hat.",
                    ),
                ],
            ),
        ],
    ),
    User(
        "hiro_t",
        [
            (
                "2023-02-11T11:00:00Z",
                [
                    (
                        "",
                        "Ben",
                        "Hiro! Long time. Are you still teaching music at that high school in Tennoji, or did the brass band finally drive you out?",
                    ),
                    (
                        "job_old",
                        "Hiro",
                        "Still at Tennoji Minami High School, fourth year teaching music. I run the brass band too, thirty-two kids, and our tuba player keeps falling asleep in rehearsal.",
                    ),
                    (
                        "",
                        "Ben",
                        "A sleeping tuba player is a classic. I'm still teaching English at the language school in Umeda, same textbooks since 2009.",
                    ),
                    (
                        "trio",
                        "Hiro",
                        "On Friday nights I play piano in a jazz trio at a tiny bar in Namba called Blue Lantern. Eight seats, one bartender, and a regular who requests 'Autumn Leaves' every single week.",
                    ),
                    (
                        "",
                        "Ben",
                        "I need to come see you play. Does the bar have decent beer or is it all highballs and whisky? Asking for a reason.",
                    ),
                    (
                        "yuzu",
                        "Ben",
                        "Asking because I've started homebrewing. My first batch is a yuzu pale ale, fermenting in a bucket in my bathtub right now. My wife is not thrilled.",
                    ),
                    (
                        "",
                        "Hiro",
                        "Yuzu pale ale in a bathtub. Ben, you're a genius and a health hazard at the same time. Please open a window.",
                    ),
                    (
                        "kinako",
                        "Hiro",
                        "Aiko and I have a shiba inu named Kinako. She's three, judges everyone, and refuses to walk when it rains.",
                    ),
                    (
                        "",
                        "Ben",
                        "Kinako is the most dramatic dog I've ever met. Remember when she sat down in the middle of the crosswalk?",
                    ),
                    (
                        "",
                        "Hiro",
                        "She still does it. Traffic in Osaka has learned to wait for her, and she knows it, she looks very pleased.",
                    ),
                ],
            ),
            (
                "2023-04-08T10:30:00Z",
                [
                    (
                        "musical",
                        "Hiro",
                        "Big project: the principal asked me to write an original musical for the school's 70th anniversary in November. Music, lyrics, everything. I have one song and a lot of panic.",
                    ),
                    (
                        "",
                        "Ben",
                        "An original musical! That's huge. What's it about, or is that a secret until opening night? I won't tell anyone.",
                    ),
                    (
                        "plot",
                        "Hiro",
                        "A girl who finds a broken radio that picks up broadcasts from 1953, the year the school opened. She ends up talking to a student from back then.",
                    ),
                    (
                        "",
                        "Ben",
                        "That's genuinely a great idea. Very Back to the Future, with more singing and fewer DeLoreans. I'd watch it.",
                    ),
                    (
                        "hip",
                        "Hiro",
                        "Bit of worry at home: my mother fell at her house in Nara and broke her hip. She had surgery on Tuesday and she's in the hospital for a few weeks.",
                    ),
                    (
                        "",
                        "Ben",
                        "I'm sorry, Hiro. That's scary at her age. How's she doing after the surgery? Is she in a lot of pain, or is she already bossing the nurses around?",
                    ),
                    (
                        "",
                        "Hiro",
                        "Grumpy, which is a good sign. She's already complaining the hospital miso soup is too salty. The nurses love her.",
                    ),
                    (
                        "kumano_plan",
                        "Ben",
                        "Cheer-up idea: come hiking with me on the Kumano Kodo in May. Three days, old pilgrimage trail, hot springs every night.",
                    ),
                    (
                        "",
                        "Hiro",
                        "If my knees survive, yes. I haven't exercised since university, unless you count carrying Kinako.",
                    ),
                    (
                        "",
                        "Ben",
                        "Your knees will thank you later. Probably. I'll carry the snacks and you can carry the complaints.",
                    ),
                ],
            ),
            (
                "2023-05-27T09:45:00Z",
                [
                    (
                        "kumano",
                        "Hiro",
                        "The Kumano Kodo was beautiful. Three days of cedar forests and stone steps, and the hot spring at Yunomine on the last night fixed everything. My calves are still angry.",
                    ),
                    (
                        "",
                        "Ben",
                        "Told you! You were faster than me on the last day, which I'm choosing not to talk about ever again.",
                    ),
                    (
                        "yodo",
                        "Hiro",
                        "Actually it inspired me. I started running in the mornings along the Yodo River, 5 kilometers before school. Kinako comes along when it isn't raining.",
                    ),
                    (
                        "",
                        "Ben",
                        "A running shiba! Does she actually keep up with you, or does she just supervise? I can't picture a shiba jogging.",
                    ),
                    (
                        "",
                        "Hiro",
                        "She keeps up for two kilometers, then sits down and waits to be carried. So I run 3 km with a dog under my arm.",
                    ),
                    (
                        "rehab",
                        "Hiro",
                        "My mother is out of the hospital and doing rehab three times a week. She walks with a walker now and says it's 'temporary' in a tone that scares the physical therapist.",
                    ),
                    (
                        "explosion",
                        "Ben",
                        "The yuzu pale ale was a success! Well, the second batch. The first one exploded in the bathtub. My wife has banned brewing in the bathroom, so I'm moving to the balcony.",
                    ),
                    (
                        "",
                        "Hiro",
                        "An exploding bathtub. I'm glad nobody was in it at the time. Your neighbors must love you. Truly.",
                    ),
                    (
                        "static",
                        "Hiro",
                        "Musical update: I have six songs written now. The big number is called 'Static', where the two students sing across seventy years through the radio.",
                    ),
                    (
                        "",
                        "Ben",
                        "'Static' is a good title. I want a front-row seat in November, I'm serious, reserve it. I'll bring flowers.",
                    ),
                ],
            ),
            (
                "2023-08-05T21:00:00Z",
                [
                    (
                        "pregnant",
                        "Hiro",
                        "Ben, I have news. Aiko is pregnant! We found out last week. The baby is due in February. We're both still in shock, happy shock.",
                    ),
                    (
                        "",
                        "Ben",
                        "HIRO! Congratulations! I'm going to be the foreign uncle who brings weird gifts from every trip.",
                    ),
                    (
                        "",
                        "Hiro",
                        "Please do. Aiko says she wants the baby to speak English, so you're hired as the official uncle teacher.",
                    ),
                    (
                        "apartment",
                        "Hiro",
                        "We'll need more space. Our apartment in Tennoji is one bedroom and Kinako already takes up half of it. We're starting to look at houses.",
                    ),
                    (
                        "",
                        "Ben",
                        "Houses in Osaka are expensive, but out in the suburbs you can find something decent with a bit of garden.",
                    ),
                    (
                        "saturdays",
                        "Hiro",
                        "The trio got a second night at Blue Lantern, Saturdays too now. The owner says more people come when we play, which I think means the bar is usually very empty.",
                    ),
                    (
                        "",
                        "Ben",
                        "Two nights a week, a musical, a baby on the way. When do you actually sleep, Hiro? Seriously, I'm worried about you.",
                    ),
                    (
                        "",
                        "Hiro",
                        "In the staff room during lunch, with my head on a stack of sheet music. The other teachers are used to it.",
                    ),
                    (
                        "kobe_job",
                        "Ben",
                        "My news: I quit the language school. I got a job teaching at an international school in Kobe, starting in September. Real classrooms, no textbook from 2009.",
                    ),
                    (
                        "",
                        "Hiro",
                        "Kobe! That's great, Ben. Longer commute though, unless you're planning to move over there. Are you?",
                    ),
                ],
            ),
            (
                "2023-11-25T14:20:00Z",
                [
                    (
                        "premiere",
                        "Hiro",
                        "The musical happened! Two performances for the anniversary, the gym was packed. When they sang 'Static' at the end, the old principal from 1975 stood up and cried.",
                    ),
                    (
                        "",
                        "Ben",
                        "I was there, remember? I cried too. The radio girl was incredible, where did you find her? She should be on a real stage.",
                    ),
                    (
                        "",
                        "Hiro",
                        "She's a second-year who had never sung on stage before. She wants to go to music college now, which makes me very happy.",
                    ),
                    (
                        "suita",
                        "Hiro",
                        "And we bought a house! A small two-story place in Suita with a tiny garden for Kinako. We move in January, just before the baby.",
                    ),
                    (
                        "",
                        "Ben",
                        "Suita! Close to the Expo park. Kinako will love the space, and the park has great running paths.",
                    ),
                    (
                        "half_signup",
                        "Hiro",
                        "Running update: I signed up for the half marathon at the Osaka Marathon in February. Ten days after the due date. Aiko thinks I'm an idiot.",
                    ),
                    (
                        "",
                        "Ben",
                        "Aiko is right, as always. But I respect it. Mostly I respect her for not throwing your shoes away.",
                    ),
                    (
                        "trophy",
                        "Ben",
                        "My yuzu pale ale won second place at a homebrew contest in Kyoto! A tiny trophy and a bag of hops.",
                    ),
                    (
                        "",
                        "Hiro",
                        "Second place in Kyoto! You went from bathtub explosions to trophies in one year, that's a real glow-up.",
                    ),
                    (
                        "walker",
                        "Hiro",
                        "My mother is walking without the walker now. She came to the musical and told everyone in the row behind her that she taught me piano.",
                    ),
                ],
            ),
            (
                "2024-02-24T08:30:00Z",
                [
                    (
                        "hana",
                        "Hiro",
                        "She's here! Our daughter Hana was born on February 9, three kilos exactly. Aiko is amazing. I'm mostly crying and learning to fold diapers.",
                    ),
                    (
                        "",
                        "Ben",
                        "Hana! Beautiful name. Congratulations to all three of you. How is Kinako taking it? Is she jealous yet?",
                    ),
                    (
                        "security",
                        "Hiro",
                        "Kinako sleeps next to the crib and growls at the delivery man. She has appointed herself head of security.",
                    ),
                    (
                        "half_skip",
                        "Hiro",
                        "I didn't run the half marathon. Two hours of sleep a night isn't really training. There's always next year.",
                    ),
                    (
                        "",
                        "Ben",
                        "Very wise. Next year I'll run it with you, we can be slow together and stop for snacks. Deal, Hiro?",
                    ),
                    (
                        "leave",
                        "Hiro",
                        "I'm on paternity leave until April, which is rare for male teachers here. My vice principal looked at me like I'd asked for a year in Hawaii.",
                    ),
                    (
                        "",
                        "Ben",
                        "Good for you. Honestly, more dads should do it. The vice principal will survive the shock. Eventually.",
                    ),
                    (
                        "port_view",
                        "Ben",
                        "We moved to Kobe to be near the school. Our new apartment has a view of the port, and my homebrew setup finally has its own room.",
                    ),
                    (
                        "",
                        "Hiro",
                        "A whole room for beer. That's the dream. Aiko would never allow it, she barely allows the piano.",
                    ),
                    (
                        "trio_break",
                        "Hiro",
                        "I told the trio I'm taking a break from Blue Lantern until summer. Our bassist found a substitute pianist who apparently plays everything too fast.",
                    ),
                ],
            ),
            (
                "2024-05-18T13:00:00Z",
                [
                    (
                        "silver",
                        "Hiro",
                        "Back at school since April. The brass band entered the regional competition and got a silver. The tuba player stayed awake the whole time.",
                    ),
                    (
                        "",
                        "Ben",
                        "A silver and a conscious tuba player! Huge. You should put that on the school website. With a photo.",
                    ),
                    (
                        "head",
                        "Hiro",
                        "Also I was made head of the music department. More meetings, more paperwork, fewer hours actually making music.",
                    ),
                    (
                        "",
                        "Ben",
                        "Congratulations, I think? Does the promotion at least come with a bigger desk or a window? Or a raise?",
                    ),
                    (
                        "",
                        "Hiro",
                        "I get a desk next to the copy machine. It's very loud and very warm, so at least my tea stays hot.",
                    ),
                    (
                        "rolled",
                        "Hiro",
                        "Hana rolled over for the first time on Sunday. Kinako barked at her like she'd done something illegal.",
                    ),
                    (
                        "harbour_ghost",
                        "Ben",
                        "Crazy plan alert: two friends and I are opening a small craft brewery in Kobe. We signed a lease on an old sake warehouse near the harbour.",
                    ),
                    (
                        "",
                        "Hiro",
                        "Ben! A real brewery. That's amazing. You'll need a name, and a good one, not a pun. Promise me, no puns.",
                    ),
                    (
                        "",
                        "Ben",
                        "We're thinking 'Harbour Ghost'. The warehouse is supposedly haunted by a sake brewer from 1890, so it's only fair.",
                    ),
                    (
                        "sundays",
                        "Hiro",
                        "My mother visits every Sunday now to see Hana. She brings pickles and advice in equal amounts.",
                    ),
                ],
            ),
            (
                "2024-08-31T20:45:00Z",
                [
                    (
                        "trio_back",
                        "Hiro",
                        "I'm back playing with the trio, but only on Saturdays now. Friday nights are for Hana's bath and bedtime songs.",
                    ),
                    (
                        "",
                        "Ben",
                        "Bedtime songs from a jazz pianist. Hana is getting the premium service, I hope she knows it. Lucky kid.",
                    ),
                    (
                        "",
                        "Hiro",
                        "She prefers 'Autumn Leaves' too. Apparently the regular at Blue Lantern and my daughter have the same taste.",
                    ),
                    (
                        "sequel",
                        "Hiro",
                        "The school wants a second musical for next spring. I'm writing a sequel where the radio starts picking up broadcasts from the future instead.",
                    ),
                    (
                        "",
                        "Ben",
                        "A sequel! Does the radio girl come back, or is it a whole new cast of characters? I need to know for the tickets.",
                    ),
                    (
                        "",
                        "Hiro",
                        "Her granddaughter does. I have one song so far, a lullaby I wrote for Hana and then gave to the characters.",
                    ),
                    (
                        "opening_date",
                        "Ben",
                        "Harbour Ghost opens on September 21! You and Aiko have to come. Bring Hana, we'll have juice for her.",
                    ),
                    (
                        "",
                        "Hiro",
                        "We'll be there. Can I play on opening night? I'll bring a keyboard and play very quietly in the corner.",
                    ),
                    (
                        "",
                        "Ben",
                        "Only if you play something the ghost would like. He's from 1890, so maybe nothing too modern. Waltzes, maybe.",
                    ),
                    (
                        "stroller",
                        "Hiro",
                        "I started running again, slowly. I push Hana in a running stroller along the Yodo River. People stare, Kinako leads.",
                    ),
                ],
            ),
            (
                "2024-11-16T16:10:00Z",
                [
                    (
                        "opening",
                        "Hiro",
                        "The Harbour Ghost opening was amazing, Ben. I played two sets and someone requested 'Autumn Leaves' there too. I think it follows me.",
                    ),
                    (
                        "",
                        "Ben",
                        "It was the best night. We sold out of the yuzu pale ale by nine, and the ghost didn't complain once.",
                    ),
                    (
                        "half_again",
                        "Hiro",
                        "I registered for the Osaka half marathon again, February 2025. This time Hana sleeps through the night, mostly, so I can actually train.",
                    ),
                    (
                        "",
                        "Ben",
                        "And I'm running it with you, as promised. Slowly, with snacks, like we agreed in February. No excuses this time.",
                    ),
                    (
                        "pharmacist",
                        "Hiro",
                        "Aiko went back to work as a pharmacist at the Suita city hospital, three days a week. Hana goes to a daycare near the station on those days.",
                    ),
                    (
                        "",
                        "Ben",
                        "How is Hana finding daycare? Is she making friends or taking over the place? My bet is on taking over.",
                    ),
                    (
                        "",
                        "Hiro",
                        "She bites. The teachers say it's a phase. Kinako is very proud of her, we think it's a family tradition.",
                    ),
                    (
                        "ikebana",
                        "Hiro",
                        "My mother started taking ikebana classes in Nara. She says she's 'done being a patient' and now arranges flowers at us every Sunday instead.",
                    ),
                    (
                        "cake",
                        "Hiro",
                        "Kinako turned five last week. We gave her a sweet potato cake and she ate it in one bite, then looked at Hana's plate.",
                    ),
                    (
                        "",
                        "Ben",
                        "Classic Kinako. Happy birthday to the head of security. Tell her the ghost sends his regards. And a biscuit.",
                    ),
                ],
            ),
        ],
    ),
    User(
        "gwen.p",
        [
            (
                "2023-01-14T15:00:00Z",
                [
                    (
                        "",
                        "Delyth",
                        "Gwen, cariad! Happy new year. How was Christmas with the whole clan squeezed into your little house?",
                    ),
                    (
                        "",
                        "Gwen",
                        "Loud, lovely and I'm still finding pine needles. Eleven of us for dinner, and my grandson Rhys ate four Yorkshire puddings and then asked what was for pudding.",
                    ),
                    (
                        "",
                        "Delyth",
                        "That boy is a bottomless pit. Is he still playing rugby for the under-16s, or has he given it up?",
                    ),
                    (
                        "rhys",
                        "Gwen",
                        "Still at it, fly-half for Llandaff North under-16s. He broke his nose in November and says it makes him look 'more experienced'.",
                    ),
                    (
                        "parkinsons",
                        "Gwen",
                        "Alun's Parkinson's is about the same. The tremor in his right hand is worse in the mornings, but he still does the crossword in pen, just to prove a point.",
                    ),
                    (
                        "",
                        "Delyth",
                        "Stubborn man. Give him my love. Are you still getting out to your book club, or has the weather kept you in?",
                    ),
                    (
                        "bookclub",
                        "Gwen",
                        "Every second Tuesday at Whitchurch library. I run it now that Margaret has moved to her daughter's. This month we're reading 'The Remains of the Day' and half the group hates the butler.",
                    ),
                    (
                        "",
                        "Delyth",
                        "I'd hate the butler too. Too much polishing, not enough talking. Tell them I said so. Loudly.",
                    ),
                    (
                        "salt_pepper",
                        "Delyth",
                        "My goats are well, since you never ask. Bramble had twins in December, a brown one and a spotty one. I've named them Salt and Pepper.",
                    ),
                    (
                        "",
                        "Gwen",
                        "I do ask! Salt and Pepper are perfect names. Send me a picture of them for the fridge, please.",
                    ),
                ],
            ),
            (
                "2023-03-18T14:10:00Z",
                [
                    (
                        "watercolour",
                        "Gwen",
                        "I've started a watercolour class at the community centre in Rhiwbina on Thursday mornings. My first painting was meant to be daffodils and looks like scrambled eggs.",
                    ),
                    (
                        "",
                        "Delyth",
                        "Scrambled eggs are a valid subject for art. Keep going, you've always had a good eye for things.",
                    ),
                    (
                        "patch",
                        "Gwen",
                        "Alun's neurologist changed his medication to a patch he wears on his shoulder. It's made the mornings a bit easier, and he's sleeping better.",
                    ),
                    (
                        "",
                        "Delyth",
                        "That's good news. And how are you sleeping, love? You do everything for him, you need rest too.",
                    ),
                    (
                        "carer",
                        "Gwen",
                        "Some nights better than others. The carer from the council comes Mondays and Fridays now, which gives me a breather.",
                    ),
                    (
                        "hospice",
                        "Gwen",
                        "I've also started volunteering two afternoons a week at the hospice charity shop on Merthyr Road. I sort the donations and price the books, obviously.",
                    ),
                    (
                        "",
                        "Delyth",
                        "Obviously. Do you keep the best ones for yourself before anybody else can get their hands on them?",
                    ),
                    (
                        "",
                        "Gwen",
                        "Only the Welsh poetry. Nobody else buys it and it breaks my heart to see it go in the recycling bin.",
                    ),
                    (
                        "perth",
                        "Delyth",
                        "My son Iwan has decided to emigrate to Australia. Perth, with his wife and the kids, in September. I'm trying to be happy for him.",
                    ),
                    (
                        "",
                        "Gwen",
                        "Oh Delyth. Perth is so far. We'll have to learn to video call properly, the two of us. I'll ask Rhys to teach us.",
                    ),
                ],
            ),
            (
                "2023-05-20T16:00:00Z",
                [
                    (
                        "tenby_plan",
                        "Gwen",
                        "We've rented the caravan in Tenby again for the first week of August, same pitch overlooking the harbour. Alun says he'll manage the walk to the beach if we take it slowly.",
                    ),
                    (
                        "",
                        "Delyth",
                        "Tenby in August, lovely. Bring me back some fudge from that little shop by the harbour. The vanilla one.",
                    ),
                    (
                        "knee",
                        "Gwen",
                        "My knee has been terrible. The GP says it's arthritis and sent me for physio. I've got exercises with a stretchy band that I do during Pointless.",
                    ),
                    (
                        "",
                        "Delyth",
                        "Physio during Pointless is the only sensible way to do it. Is it helping at all, though? Be honest.",
                    ),
                    (
                        "",
                        "Gwen",
                        "A bit. The stairs are still a struggle on bad days, and the bus step is worse than the stairs.",
                    ),
                    (
                        "castell_coch",
                        "Gwen",
                        "The watercolours are getting better! My teacher hung my painting of Castell Coch in the centre's corridor. Alun says it's the only castle he's ever seen that looks edible.",
                    ),
                    (
                        "basket",
                        "Delyth",
                        "Salt got out of the field again and ate the vicar's hanging basket. I had to apologise with cheese.",
                    ),
                    (
                        "",
                        "Gwen",
                        "Goat cheese, I hope, just to make a point to the vicar about where it came from. Vicars need reminding.",
                    ),
                    (
                        "cider",
                        "Gwen",
                        "Book club chose 'Cider with Rosie' for June. Three members have already told me they read it in school and hated it, so it should be a lively evening.",
                    ),
                    (
                        "",
                        "Delyth",
                        "Lively book clubs are the best book clubs. Boring ones are just tea with homework. Yours is never boring.",
                    ),
                ],
            ),
            (
                "2023-08-26T13:30:00Z",
                [
                    (
                        "gull",
                        "Gwen",
                        "Tenby was wonderful. Alun walked all the way to Castle Beach on the third day, slowly, with his stick. We ate chips on the harbour wall and a gull stole one right out of his hand.",
                    ),
                    (
                        "",
                        "Delyth",
                        "A gull! Did he shout at it? I bet he shouted at it, he's never let anything go in his life. Not once.",
                    ),
                    (
                        "",
                        "Gwen",
                        "He shouted at it in Welsh, which I think confused the gull. It came back for a second chip anyway.",
                    ),
                    (
                        "gcse",
                        "Gwen",
                        "Rhys got his GCSE results: two A stars, in history and Welsh. He wants to study history at Aberystwyth, which made Alun very emotional.",
                    ),
                    (
                        "",
                        "Delyth",
                        "Aberystwyth! My Iwan went there. It's a good place. Lots of wind and lots of chips. He loved it.",
                    ),
                    (
                        "jumpers",
                        "Delyth",
                        "Iwan flies to Perth in three weeks. I'm knitting the grandchildren jumpers even though it'll be thirty degrees there. It's for me, not them.",
                    ),
                    (
                        "",
                        "Gwen",
                        "Knit away, love. They'll wear them in July, their winter, and think of you. Every single time.",
                    ),
                    (
                        "ferrari",
                        "Gwen",
                        "We've bought Alun a mobility scooter, a red one. He calls it 'the Ferrari' and drives it to the paper shop every morning at exactly eight.",
                    ),
                    (
                        "",
                        "Delyth",
                        "The Ferrari! Watch out, Whitchurch. Does he at least stop at the zebra crossings? Tell me he does.",
                    ),
                    (
                        "",
                        "Gwen",
                        "He's already had a near miss with a lamppost. The lamppost is fine, Alun's pride less so. He blames the lamppost.",
                    ),
                ],
            ),
            (
                "2023-11-11T15:20:00Z",
                [
                    (
                        "waiting_list",
                        "Gwen",
                        "The physio didn't do enough, so I'm on the list for a knee replacement. The surgeon says February or March at Llandough hospital.",
                    ),
                    (
                        "",
                        "Delyth",
                        "Oh, Gwen. Who's going to look after Alun while you're recovering from the operation? You'll need help.",
                    ),
                    (
                        "sian",
                        "Gwen",
                        "My daughter Sian is going to move in for three weeks. She works from home now, so she can do her accounting job from our kitchen table.",
                    ),
                    (
                        "",
                        "Delyth",
                        "That's a relief. Sian's always been good in a crisis, ever since she was a little girl. Calm as anything.",
                    ),
                    (
                        "exhibition",
                        "Gwen",
                        "The community centre is having a little art exhibition in December and they've asked for three of my paintings. Castell Coch, the Tenby harbour, and one of Alun asleep in his chair.",
                    ),
                    (
                        "",
                        "Delyth",
                        "The one of Alun asleep is going to be the star of the show, mark my words. People love a sleeping husband.",
                    ),
                    (
                        "video_call",
                        "Delyth",
                        "I video called Iwan's family on Sunday. The grandchildren were at the beach in their swimmers and I was in my coat by the Aga. The world is very strange.",
                    ),
                    (
                        "",
                        "Gwen",
                        "See, you've mastered video calls. I'm very proud of you. Next step is sending photos without your thumb in them.",
                    ),
                    (
                        "insole",
                        "Gwen",
                        "Book club news: we're moving from the library to the café at Insole Court, because the library is closing early on Tuesdays now. Better cake, worse lighting.",
                    ),
                    (
                        "",
                        "Delyth",
                        "Better cake is worth any lighting. Nobody reads at book club anyway, they just talk. And eat.",
                    ),
                ],
            ),
            (
                "2024-01-27T14:45:00Z",
                [
                    (
                        "sold",
                        "Gwen",
                        "I sold a painting at the exhibition! Someone bought Tenby harbour for forty pounds. I gave the money to the hospice shop.",
                    ),
                    (
                        "",
                        "Delyth",
                        "A professional artist now! And what about the one of Alun asleep in his chair? Did that one sell?",
                    ),
                    (
                        "",
                        "Gwen",
                        "Not for sale. Alun said he'd sue for his likeness, and he'd enjoy it too much, so I didn't risk it.",
                    ),
                    (
                        "fall",
                        "Gwen",
                        "Alun had a fall in the bathroom on New Year's Day. Nothing broken, thank God, but the occupational therapist has put rails everywhere and a seat in the shower.",
                    ),
                    (
                        "",
                        "Delyth",
                        "That must have been frightening for you both. How's he doing now, a few weeks on? And how are you?",
                    ),
                    (
                        "",
                        "Gwen",
                        "Bruised and embarrassed. The rails are ugly but I'll take ugly over another fall any day. Any day of the week.",
                    ),
                    (
                        "brecon",
                        "Delyth",
                        "I've sold Salt and Pepper to a farm in Brecon. I'm down to Bramble and the old billy, Gareth. It's quieter, I hate it.",
                    ),
                    (
                        "",
                        "Gwen",
                        "You'll have more kids in the spring, I'd bet the Tenby fudge on it. Bramble won't let you down.",
                    ),
                    (
                        "op_date",
                        "Gwen",
                        "My knee surgery is set for 4 March at Llandough. I'm terrified and also a bit excited to have a knee that doesn't creak.",
                    ),
                    (
                        "",
                        "Delyth",
                        "You'll be dancing at the Eisteddfod by the summer, you'll see. Creak-free and twirling. Mark my words.",
                    ),
                ],
            ),
            (
                "2024-04-13T12:00:00Z",
                [
                    (
                        "new_knee",
                        "Gwen",
                        "The new knee is in! Six weeks on and I'm walking to the end of the street and back with a stick. The physio says I'm ahead of schedule.",
                    ),
                    (
                        "",
                        "Delyth",
                        "Ahead of schedule, of course you are. Did Sian survive three weeks of living with you? Be honest.",
                    ),
                    (
                        "",
                        "Gwen",
                        "Sian survived. She reorganised my kitchen and I've still not found the colander or the good scissors.",
                    ),
                    (
                        "swallowing",
                        "Gwen",
                        "Alun's Parkinson's has moved on a bit. He's started having trouble swallowing, so we're seeing a speech therapist, and everything's a bit softer at dinner.",
                    ),
                    (
                        "",
                        "Delyth",
                        "I'm so sorry, love. Is there anything I can bring over to help, anything at all? Just say the word.",
                    ),
                    (
                        "",
                        "Gwen",
                        "Your company. And maybe some of that soft goat's cheese, he's allowed that and he loves it. He'd eat a whole wheel.",
                    ),
                    (
                        "offer",
                        "Gwen",
                        "Rhys has an offer from Aberystwyth for history, starting in September. He needs three A's. He's revising at our house because it's 'quieter', meaning we feed him.",
                    ),
                    (
                        "triplets",
                        "Delyth",
                        "Bramble had triplets! Three little girls. I've named them after Welsh rivers: Taff, Wye and Teifi.",
                    ),
                    (
                        "",
                        "Gwen",
                        "Triplets! I told you Bramble wouldn't let you down. Where's my fudge, then? I did win the bet.",
                    ),
                    (
                        "",
                        "Delyth",
                        "I'll bring it with the cheese on Saturday. And a photo of the triplets, they're very photogenic.",
                    ),
                ],
            ),
            (
                "2024-07-06T15:40:00Z",
                [
                    (
                        "eisteddfod",
                        "Gwen",
                        "Alun and I are going to the National Eisteddfod in Pontypridd in August. I've entered a watercolour in the art competition, which is ridiculous, but Sian made me.",
                    ),
                    (
                        "",
                        "Delyth",
                        "Not ridiculous at all. Which painting did you enter? Not the scrambled eggs daffodils, I hope.",
                    ),
                    (
                        "goat_painting",
                        "Gwen",
                        "A new one, of Delyth's triplets in the field. Yes, it's your goats. They were very patient models, except Wye.",
                    ),
                    (
                        "",
                        "Delyth",
                        "My goats in the Eisteddfod! I'm telling everyone in the village, and the vicar twice. He owes me.",
                    ),
                    (
                        "valley",
                        "Gwen",
                        "Book club has grown to fourteen people since we moved to the café. We're reading 'How Green Was My Valley' and arguing about whether it's sentimental.",
                    ),
                    (
                        "",
                        "Delyth",
                        "It is sentimental. Tell them I said so, and that I've never been wrong about a book. Never once.",
                    ),
                    (
                        "book_manager",
                        "Gwen",
                        "The hospice shop has made me book manager. I've got my own shelf system and a sign that says 'Please do not reshelve, Gwen will find you.'",
                    ),
                    (
                        "",
                        "Delyth",
                        "That's the most Gwen sign in history. I want a photo of it for my fridge, next to the goats.",
                    ),
                    (
                        "knee_now",
                        "Gwen",
                        "My knee is brilliant now. I walked up to Castell Coch last week, the whole hill, and only stopped twice to admire the view, which is what I call resting.",
                    ),
                    (
                        "",
                        "Delyth",
                        "Up the hill to Castell Coch! That's a proper recovery. The surgeon should put you on a poster.",
                    ),
                ],
            ),
            (
                "2024-10-19T14:00:00Z",
                [
                    (
                        "commended",
                        "Gwen",
                        "I forgot to tell you: my goat painting got a commendation at the Eisteddfod! Not a prize, but a little certificate. Alun has framed it next to his rugby caps.",
                    ),
                    (
                        "",
                        "Delyth",
                        "A commendation! My goats are famous. Wye will be unbearable about it, she already is. She preens.",
                    ),
                    (
                        "aberystwyth",
                        "Gwen",
                        "Rhys got his three A's and started at Aberystwyth in September. He rings every Sunday, mostly to ask how to cook things.",
                    ),
                    (
                        "",
                        "Delyth",
                        "How to cook things, bless him. Iwan still rings me about gravy and he's forty-two. Forty-two!",
                    ),
                    (
                        "mornings",
                        "Gwen",
                        "We've had to get more help for Alun. A carer comes every morning now to help him get up and dressed, and the district nurse visits on Wednesdays.",
                    ),
                    (
                        "",
                        "Delyth",
                        "That's good, Gwen. You can't do it all on your own, and you shouldn't have to try. Let them help.",
                    ),
                    (
                        "",
                        "Gwen",
                        "He still drives the Ferrari to the paper shop, though. The carers have learned to be ready by ten to eight or he leaves without them.",
                    ),
                    (
                        "christmas_perth",
                        "Delyth",
                        "Big news here: I'm flying to Perth in December to spend Christmas with Iwan and the kids. First time on a plane in thirty years. My neighbour will mind the goats.",
                    ),
                    (
                        "",
                        "Gwen",
                        "Delyth! Christmas on the beach! Take a photo of you in a paper hat in the sun, I'll put it on the fridge.",
                    ),
                    (
                        "",
                        "Gwen",
                        "I've started a painting of Alun on the Ferrari for next year's exhibition. He's insisted on a heroic pose, chin up, like a general.",
                    ),
                ],
            ),
        ],
    ),
]

_JULES, _HIRO, _GWEN = (user.user_id for user in USERS)

QUERIES = [
    # Jules and her friend Tess
    Query(_JULES, "How much did Jules pay for the Airstream?", ["airstream"], "lexical"),
    Query(_JULES, "What is Tess's roller derby name?", ["derby"], "lexical"),
    Query(_JULES, "What did Jules name the Airstream?", ["dolores"], "lexical"),
    Query(
        _JULES, "Where did Jules look at Saturn through a 14-inch telescope?", ["saturn"], "lexical"
    ),
    Query(
        _JULES, "What happened in the dunker during water survival training?", ["dunker"], "lexical"
    ),
    Query(_JULES, "Who is house-sitting Biscotti while Jules is in Brazil?", ["sitter"], "lexical"),
    Query(_JULES, "What classes does Tess teach after the shop expansion?", ["wreaths"], "lexical"),
    Query(_JULES, "What cakes did Tess make for the twins' birthday?", ["cakes"], "lexical"),
    Query(_JULES, "Where did Camille and Marcus buy a house?", ["cottage"], "lexical"),
    Query(_JULES, "How did she hurt herself at her job?", ["ankle"], "paraphrase"),
    Query(_JULES, "What fracture did her pal suffer?", ["wrist_broken"], "paraphrase"),
    Query(
        _JULES,
        "Which planet's satellites did she spot while recovering?",
        ["jupiter"],
        "paraphrase",
    ),
    Query(
        _JULES,
        "How quickly did the crew get the injured motorist to the hospital?",
        ["first_mission"],
        "paraphrase",
    ),
    Query(_JULES, "What pet did she bring home from the rescue?", ["adopted"], "paraphrase"),
    Query(
        _JULES,
        "What trips has Jules taken or booked with the Airstream?",
        ["dolores", "assateague", "big_bend"],
        "multi_fact",
    ),
    Query(
        _JULES,
        "What has Jules seen in the night sky?",
        ["saturn", "jupiter", "milky_way"],
        "multi_fact",
    ),
    Query(_JULES, "Where does Jules live now?", ["move"], "temporal"),
    Query(_JULES, "Does Jules still work on the ambulance at Station 8?", ["job_new"], "temporal"),
    Query(_JULES, "Where does Tess live now?", ["farmhouse"], "temporal"),
    Query(_JULES, "Is Tess still benched from roller derby?", ["skates"], "temporal"),
    Query(_JULES, "Does Jules have a dog now?", ["adopted"], "temporal"),
    Query(_JULES, "How did Jules's Portuguese progress?", ["portuguese", "telenovela"], "update"),
    Query(
        _JULES,
        "How has the Airstream restoration progressed?",
        ["airstream", "subfloor", "dolores"],
        "update",
    ),
    Query(
        _JULES, "How has Tess's wrist recovered?", ["wrist_broken", "cast_off", "skates"], "update"
    ),
    Query(_JULES, "When did Jules sprain her ankle?", ["ankle"], "earlier"),
    Query(_JULES, "When did Jules first meet Biscotti?", ["shelter"], "earlier"),
    Query(_JULES, "Where did Jules live before Hyattsville?", ["home_old", "move"], "earlier"),
    Query(_JULES, "When did Camille get engaged?", ["engaged"], "earlier"),
    Query(_JULES, "What does Jules play in the jazz trio?", [], "cross_user_trap"),
    Query(_JULES, "What are the names of Jules's goats?", [], "cross_user_trap"),
    # Hiro and his friend Ben
    Query(_HIRO, "What is the name of the bar where Hiro's jazz trio plays?", ["trio"], "lexical"),
    Query(_HIRO, "What is the big number in Hiro's musical called?", ["static"], "lexical"),
    Query(_HIRO, "What was Ben's first homebrew batch?", ["yuzu"], "lexical"),
    Query(_HIRO, "Where did Hiro's mother fall and break her hip?", ["hip"], "lexical"),
    Query(_HIRO, "What is Ben's brewery called?", ["harbour_ghost"], "lexical"),
    Query(_HIRO, "What did the brass band win at the regional competition?", ["silver"], "lexical"),
    Query(_HIRO, "What did Ben's yuzu pale ale win in Kyoto?", ["trophy"], "lexical"),
    Query(_HIRO, "What breed is his pet?", ["kinako"], "paraphrase"),
    Query(_HIRO, "What is the plot of his stage show?", ["plot"], "paraphrase"),
    Query(_HIRO, "What did his wife return to doing professionally?", ["pharmacist"], "paraphrase"),
    Query(_HIRO, "Which pilgrimage did he trek with his buddy?", ["kumano"], "paraphrase"),
    Query(
        _HIRO,
        "What went wrong with his pal's initial attempt at making booze?",
        ["explosion"],
        "paraphrase",
    ),
    Query(_HIRO, "What pets and children does Hiro have?", ["kinako", "hana"], "multi_fact"),
    Query(_HIRO, "Where does Hiro go running?", ["yodo", "stroller"], "multi_fact"),
    Query(
        _HIRO,
        "Which musicals has Hiro written for the school?",
        ["musical", "sequel"],
        "multi_fact",
    ),
    Query(_HIRO, "What roles does Hiro have at his school?", ["job_old", "head"], "multi_fact"),
    Query(_HIRO, "Where does Hiro live now?", ["suita"], "temporal"),
    Query(_HIRO, "Where does Ben live now?", ["port_view"], "temporal"),
    Query(_HIRO, "Does Hiro's mother still use a walker?", ["walker"], "temporal"),
    Query(_HIRO, "What does Aiko do now?", ["pharmacist"], "temporal"),
    Query(_HIRO, "Which nights does Hiro play at Blue Lantern now?", ["trio_back"], "temporal"),
    Query(
        _HIRO,
        "How have Hiro's half marathon plans changed?",
        ["half_signup", "half_skip", "half_again"],
        "update",
    ),
    Query(
        _HIRO,
        "How has Hiro's schedule at Blue Lantern changed?",
        ["trio", "saturdays", "trio_back"],
        "update",
    ),
    Query(_HIRO, "When was Hana born?", ["hana"], "earlier"),
    Query(_HIRO, "Where did Hiro live before Suita?", ["apartment"], "earlier"),
    Query(_HIRO, "When did Hiro's mother break her hip?", ["hip"], "earlier"),
    Query(_HIRO, "When did Ben's brewery open?", ["opening_date", "opening"], "earlier"),
    Query(_HIRO, "What is the name of Hiro's Airstream?", [], "cross_user_trap"),
    Query(_HIRO, "What did Hiro's goats eat at the vicar's?", [], "cross_user_trap"),
    # Gwen and her friend Delyth
    Query(_GWEN, "Which under-16s team does Rhys play fly-half for?", ["rhys"], "lexical"),
    Query(_GWEN, "What did Delyth name Bramble's twins?", ["salt_pepper"], "lexical"),
    Query(_GWEN, "What does Alun call his mobility scooter?", ["ferrari"], "lexical"),
    Query(_GWEN, "Which painting did Gwen sell at the exhibition?", ["sold"], "lexical"),
    Query(
        _GWEN, "What does the sign at Gwen's hospice shop shelf say?", ["book_manager"], "lexical"
    ),
    Query(_GWEN, "Where is Gwen's watercolour class?", ["watercolour"], "lexical"),
    Query(_GWEN, "What did Salt eat?", ["basket"], "lexical"),
    Query(_GWEN, "Which illness affects her husband?", ["parkinsons", "swallowing"], "paraphrase"),
    Query(
        _GWEN,
        "What joint operation did she have?",
        ["waiting_list", "op_date", "new_knee"],
        "paraphrase",
    ),
    Query(
        _GWEN,
        "Which country did her friend's boy move his family to?",
        ["perth", "jumpers"],
        "paraphrase",
    ),
    Query(_GWEN, "What did a seabird snatch on holiday?", ["gull"], "paraphrase"),
    Query(_GWEN, "Which exams did her grandson ace?", ["gcse"], "paraphrase"),
    Query(
        _GWEN, "What help does Gwen get in caring for Alun?", ["carer", "mornings"], "multi_fact"
    ),
    Query(
        _GWEN,
        "Which books has Gwen's book club read?",
        ["bookclub", "cider", "valley"],
        "multi_fact",
    ),
    Query(
        _GWEN,
        "What names has Delyth given her goats?",
        ["salt_pepper", "brecon", "triplets"],
        "multi_fact",
    ),
    Query(_GWEN, "Where does Gwen's book club meet now?", ["insole"], "temporal"),
    Query(_GWEN, "How is Gwen's knee now?", ["knee_now"], "temporal"),
    Query(_GWEN, "Where is Rhys now?", ["aberystwyth"], "temporal"),
    Query(_GWEN, "What is Gwen's role at the hospice shop now?", ["book_manager"], "temporal"),
    Query(_GWEN, "How has Alun's care at home changed?", ["carer", "mornings"], "update"),
    Query(_GWEN, "How did Gwen's Eisteddfod entry go?", ["eisteddfod", "commended"], "update"),
    Query(_GWEN, "When did Alun fall in the bathroom?", ["fall"], "earlier"),
    Query(_GWEN, "When was Gwen's knee surgery scheduled?", ["op_date"], "earlier"),
    Query(
        _GWEN, "Where did the book club meet before the café?", ["bookclub", "insole"], "earlier"
    ),
    Query(_GWEN, "When did Iwan move to Perth?", ["perth", "jumpers"], "earlier"),
    Query(_GWEN, "Which helicopter does Gwen fly in?", [], "cross_user_trap"),
    Query(_GWEN, "What is Gwen's shiba inu called?", [], "cross_user_trap"),
]
