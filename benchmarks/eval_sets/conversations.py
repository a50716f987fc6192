"""Long conversational memories: every memory is one turn of a multi-session chat.

Five fictional users, each with six sessions months apart: three chat with an
assistant, two with a friend whose turns are stored too (as a chat log would be).
Turns are 100-450 characters. Facts change between sessions (a job, a home, a
car, a medicine), and questions ask about the present, about how something
changed, about what was true before, or need two or three turns at once.

A turn is (key, speaker, text); the key names the turns queries point at ("" for
the rest). A query is (user, question, relevant keys, kind). Written by hand for
this repository; `benchmarks/eval_sets/build.py` turns it into `conversations.json`.
"""

# ruff: noqa: E501 - hand-written data: one string per chat turn where it fits
from __future__ import annotations

from benchmarks.eval_sets.model import Query, User

USERS = [
    User(
        "maren.h@example.org",
        [
            (
                "2024-01-14T20:05:00Z",
                [
                    (
                        "job_old",
                        "Maren",
                        "Hi! I'm Maren. Quick background so you can help me plan things: I'm 34, "
                        "I work as a research technician at a kelp forest lab in Monterey, and I "
                        "spend half my week on a boat counting urchins.",
                    ),
                    (
                        "",
                        "Assistant",
                        "Nice to meet you, Maren. Counting urchins sounds like demanding "
                        "fieldwork. What would you like help planning first: work, travel, or "
                        "something at home?",
                    ),
                    (
                        "home_old",
                        "Maren",
                        "Home stuff first. I rent a tiny apartment above a bakery on Lighthouse "
                        "Avenue in Pacific Grove, so the whole place smells like cardamom buns at "
                        "five in the morning. The landlord wants to raise the rent in June.",
                    ),
                    (
                        "dog",
                        "Maren",
                        "Also I have a retired racing greyhound called Biscuit. He's eight, sleeps "
                        "about twenty hours a day, and is terrified of the stairs, so I carry him "
                        "up every night.",
                    ),
                    (
                        "",
                        "Assistant",
                        "Carrying a greyhound upstairs every night is real dedication! Older "
                        "greyhounds often do better with ramps or a ground-floor place. Is the "
                        "stairs issue part of why you might move?",
                    ),
                    (
                        "allergy",
                        "Maren",
                        "Partly. Funny thing, for someone who studies the ocean: I'm badly "
                        "allergic to shellfish. One shrimp dumpling at a lab party sent me to "
                        "urgent care last year, so I always carry an EpiPen.",
                    ),
                    (
                        "cello",
                        "Maren",
                        "Evenings I'm learning cello. I rent an instrument from a music shop in "
                        "Salinas and take lessons on Thursdays with a retired symphony player "
                        "named Mr. Albrecht.",
                    ),
                    (
                        "",
                        "Assistant",
                        "That's a lovely routine. How long have you been playing? Adult beginners "
                        "often find the first year the hardest for intonation.",
                    ),
                    (
                        "",
                        "Maren",
                        "About seven months. My intonation is still rough, but I can get through a "
                        "Bach minuet without the neighbors banging on the wall, which I count as "
                        "progress.",
                    ),
                ],
            ),
            (
                "2024-03-02T18:40:00Z",
                [
                    (
                        "car_old",
                        "Maren",
                        "Ugh, my 2009 Honda Fit failed its smog check again. It has 210,000 miles "
                        "and the check engine light is basically decoration at this point. I need "
                        "a plan before it strands me on Highway 1.",
                    ),
                    (
                        "",
                        "Assistant",
                        "That sounds stressful. Are you thinking of repairing it one more time or "
                        "replacing it? If you share a budget, I can help compare used options.",
                    ),
                    (
                        "partner",
                        "Maren",
                        "My boyfriend Tomas thinks I should just fix it. He's an ER nurse at "
                        "Community Hospital of the Monterey Peninsula and works night shifts, so "
                        "he rarely needs the car himself.",
                    ),
                    (
                        "coffee_old",
                        "Maren",
                        "Side note, I drink way too much coffee: three cups of drip before 10 am, "
                        "more on boat days. My hands shake when I'm trying to tie sample bags, "
                        "which is not ideal.",
                    ),
                    (
                        "",
                        "Assistant",
                        "Three cups before ten plus boat days is a lot of caffeine. You could try "
                        "tapering by half a cup each week, or swapping the afternoon cup for "
                        "something milder.",
                    ),
                    (
                        "sister",
                        "Maren",
                        "My older sister Ingrid called today. She lives in Minneapolis, teaches "
                        "kindergarten, and just told me she's pregnant with her first baby, due in "
                        "September! I'm going to be an aunt.",
                    ),
                    (
                        "knit_plan",
                        "Maren",
                        "I want to knit something for the baby even though I've never knitted "
                        "anything more complicated than a scarf. Is a baby blanket a reasonable "
                        "first project?",
                    ),
                    (
                        "",
                        "Assistant",
                        "A baby blanket is a great first big project: simple stitches, no shaping. "
                        "Choose a washable cotton or acrylic yarn, since new parents don't want "
                        "hand-wash only items.",
                    ),
                ],
            ),
            (
                "2024-06-18T21:15:00Z",
                [
                    (
                        "half",
                        "Maren",
                        "I did it! I ran the Big Sur Half Marathon on Sunday in 2 hours 5 minutes. "
                        "My calves are destroyed and I'm walking down stairs backwards, but I'm "
                        "weirdly proud.",
                    ),
                    (
                        "",
                        "Assistant",
                        "Congratulations, that's a great finish time for a first half! Take a few "
                        "easy days. Do you already have another race in mind?",
                    ),
                    (
                        "iceland_plan",
                        "Maren",
                        "Not a race, a trip. Tomas and I want to go to Iceland next March to see "
                        "the northern lights. We're thinking of renting a camper van and driving "
                        "the south coast for a week.",
                    ),
                    (
                        "",
                        "Assistant",
                        "March is a good window for aurora with slightly longer days. Camper vans "
                        "on the south coast are popular; book early and check road conditions "
                        "daily on the Icelandic road authority site.",
                    ),
                    (
                        "book",
                        "Maren",
                        "I've been reading The Overstory by Richard Powers on the boat between "
                        "dives. It's my favorite novel now, even though it made me cry over a "
                        "chestnut tree.",
                    ),
                    (
                        "rent",
                        "Maren",
                        "The rent thing got worse, by the way. The landlord is raising it by $400 "
                        "a month starting in August, and Biscuit's stairs problem isn't getting "
                        "better.",
                    ),
                    (
                        "",
                        "Assistant",
                        "A $400 jump is steep. Would you consider looking for a ground-floor "
                        "place, or is this pushing you to think bigger about where you live?",
                    ),
                ],
            ),
            (
                "2024-10-05T17:30:00Z",
                [
                    (
                        "job_new",
                        "Maren",
                        "Big news: I accepted a job as a data analyst with the Oregon Department "
                        "of Fish and Wildlife's marine program in Newport. Less time on boats, "
                        "more time in R, and the pay is much better.",
                    ),
                    (
                        "",
                        "Assistant",
                        "Congratulations! That's a big shift from fieldwork to analysis. When do "
                        "you start, and is the move happening at the same time?",
                    ),
                    (
                        "home_new",
                        "Maren",
                        "I start November 4. We found a small house to rent in Newport's Nye "
                        "Beach neighborhood, single story with a fenced yard, so Biscuit never has "
                        "to face stairs again.",
                    ),
                    (
                        "baby",
                        "Maren",
                        "And Ingrid had her baby on September 12! A girl named Astrid, seven "
                        "pounds even. I finished the blanket two days before, with only three "
                        "visible mistakes.",
                    ),
                    (
                        "cello_stop",
                        "Maren",
                        "Sad part: I returned the rented cello. With the move and the new job I "
                        "wasn't practicing, and I'd rather stop cleanly than feel guilty every "
                        "time I saw the case.",
                    ),
                    (
                        "",
                        "Assistant",
                        "That sounds like a healthy decision. Many people come back to an "
                        "instrument later. Is there something lighter you'd like to fill evenings "
                        "with in Newport?",
                    ),
                    (
                        "ceramics",
                        "Maren",
                        "I signed up for a wheel-throwing class at the Newport Visual Arts Center "
                        "on Tuesday nights. My first bowl looked like a collapsed soufflé, but I "
                        "loved it.",
                    ),
                ],
            ),
            (
                "2025-03-22T19:00:00Z",
                [
                    (
                        "iceland_done",
                        "Maren",
                        "We're back from Iceland. We saw the aurora on our third night near Vík, "
                        "green ribbons for almost an hour. Tomas cried, I cried, the camper van "
                        "heater died. Ten out of ten.",
                    ),
                    (
                        "",
                        "Assistant",
                        "That sounds unforgettable, broken heater and all. Did you get any photos "
                        "you're happy with?",
                    ),
                    (
                        "engaged",
                        "Maren",
                        "Even better: Tomas proposed at the black sand beach the next morning. "
                        "We're engaged! We're thinking of a small wedding next spring on the "
                        "Oregon coast.",
                    ),
                    (
                        "car_new",
                        "Maren",
                        "Also the Honda finally died on the way to the airport, so I bought a used "
                        "2021 Kia Niro EV. It's quiet, it's blue, and charging at work is free.",
                    ),
                    (
                        "mate",
                        "Maren",
                        "And I quit coffee in January. I drink yerba mate now, one gourd in the "
                        "morning and that's it, and my hands have stopped shaking when I label "
                        "samples.",
                    ),
                    (
                        "",
                        "Assistant",
                        "That's a lot of change in a few months: new car, no coffee, and an "
                        "engagement. How is the new job going?",
                    ),
                    (
                        "crab_models",
                        "Maren",
                        "Work is good. I'm building models of Dungeness crab populations from "
                        "survey data, which is funny since I can't eat a single crab without "
                        "ending up in the hospital.",
                    ),
                ],
            ),
            (
                "2025-08-09T16:20:00Z",
                [
                    (
                        "marathon",
                        "Maren",
                        "I signed up for my first full marathon: the Portland Marathon in October. "
                        "My long run this weekend was 18 miles and my knees are filing "
                        "complaints.",
                    ),
                    (
                        "",
                        "Assistant",
                        "18 miles is a big milestone. Make sure you taper properly in the last "
                        "three weeks and practice your race-day fueling on long runs.",
                    ),
                    (
                        "cat",
                        "Maren",
                        "New family member: we adopted a gray tabby kitten named Juniper from the "
                        "Lincoln County shelter. Biscuit is scared of her, which is hilarious for "
                        "a 70-pound dog.",
                    ),
                    (
                        "wedding",
                        "Maren",
                        "We booked the wedding venue: a cliffside lodge near Yachats, for May 17 "
                        "next year. Only 40 guests, and Ingrid is going to be my maid of honor.",
                    ),
                    (
                        "",
                        "Assistant",
                        "May on the coast can be beautiful but windy; ask the lodge about an "
                        "indoor backup. Would you like help drafting a guest list or timeline?",
                    ),
                    (
                        "plates",
                        "Maren",
                        "Pottery update: I moved up to the advanced class and I'm making the "
                        "tableware for our wedding dinner, forty mismatched plates in a speckled "
                        "blue glaze.",
                    ),
                ],
            ),
        ],
    ),
    User(
        "dev_ravi_88",
        [
            (
                "2024-02-10T18:30:00Z",
                [
                    (
                        "job_old",
                        "Ravi",
                        "Hey, I'm Ravi. I moved from Bangalore to Berlin last autumn for a backend "
                        "engineer job at Zahlwerk, a payments startup in Kreuzberg. I write Go all "
                        "day and review way too many pull requests.",
                    ),
                    (
                        "",
                        "Assistant",
                        "Welcome to Berlin, Ravi! Moving countries for a job is a big step. What "
                        "would you like a hand with first?",
                    ),
                    (
                        "german_old",
                        "Ravi",
                        "German, mostly. I'm stuck at A2. I can order at the bakery but I freeze "
                        "when the Bürgeramt clerk asks anything unexpected. I have a "
                        "Volkshochschule course twice a week.",
                    ),
                    (
                        "home_old",
                        "Ravi",
                        "We live in a fourth-floor flat in Neukölln near Hermannplatz. It's loud, "
                        "the heating is moody, and our landlord only replies to emails in capital "
                        "letters.",
                    ),
                    (
                        "family",
                        "Ravi",
                        "We is me, my wife Anjali, and our daughter Meera, who is four. Anjali is "
                        "an architect and is still finishing freelance projects for a firm back in "
                        "Bangalore, remotely.",
                    ),
                    (
                        "",
                        "Assistant",
                        "That's a lot to juggle across time zones. How is Meera settling in, and "
                        "has she found a daycare yet?",
                    ),
                    (
                        "kita",
                        "Ravi",
                        "She got a Kita spot! She starts at a bilingual daycare in April. Honestly "
                        "getting that spot felt harder than getting my visa.",
                    ),
                    (
                        "diet_old",
                        "Ravi",
                        "Food-wise I'm vegetarian, have been my whole life, and finding a good "
                        "masala dosa in Berlin is an ongoing quest. Dairy I'm fine with, paneer is "
                        "my weakness.",
                    ),
                    (
                        "",
                        "Assistant",
                        "There are a few South Indian places around Berlin; I can suggest some. Do "
                        "you cook at home much?",
                    ),
                    (
                        "",
                        "Ravi",
                        "Most nights. Anjali says my sambar is better than my code, which I'm "
                        "choosing to take as a compliment.",
                    ),
                ],
            ),
            (
                "2024-05-04T10:05:00Z",
                [
                    (
                        "cricket",
                        "Ravi",
                        "Found my people: I joined the Berlin Cricket Club. We practice Saturday "
                        "mornings at a field in Mariendorf and I'm opening the batting, mostly "
                        "because nobody else wanted to.",
                    ),
                    (
                        "",
                        "Assistant",
                        "Great way to meet people and get outdoors on weekends. How's the standard of play at the club so far?",
                    ),
                    (
                        "",
                        "Ravi",
                        "Mixed. Some guys played county cricket in England, some had never held a "
                        "bat. Last match I made 34 before getting bowled by a 60-year-old leg "
                        "spinner.",
                    ),
                    (
                        "knee",
                        "Ravi",
                        "I tweaked my left knee diving for a catch. The physio says it's a mild "
                        "MCL sprain, no running for six weeks and lots of boring exercises with a "
                        "resistance band.",
                    ),
                    (
                        "",
                        "Assistant",
                        "MCL sprains usually heal well if you stick to the rehab. Would it help to "
                        "set reminders for your exercises?",
                    ),
                    (
                        "mother",
                        "Ravi",
                        "Yes please. Also worried about my mum in Kochi. She was just diagnosed "
                        "with type 2 diabetes and is refusing to give up her afternoon sweets.",
                    ),
                    (
                        "",
                        "Assistant",
                        "That's a hard conversation from far away. Small swaps often go better "
                        "than outright bans. Would you like some ideas to share with her?",
                    ),
                ],
            ),
            (
                "2024-09-14T20:45:00Z",
                [
                    (
                        "bike",
                        "Ravi",
                        "I started cycling to work, 25 minutes along the canal. Bought a "
                        "secondhand Gazelle city bike with a child seat so I can drop Meera at the "
                        "Kita on the way.",
                    ),
                    (
                        "guitar",
                        "Ravi",
                        "Also picked up my old acoustic guitar again. I'm learning fingerstyle "
                        "arrangements of old Malayalam film songs, which Meera requests at "
                        "bedtime.",
                    ),
                    (
                        "",
                        "Assistant",
                        "That's a lovely bedtime ritual. Is the knee fully recovered now if you're "
                        "cycling there and back every day?",
                    ),
                    (
                        "knee_ok",
                        "Ravi",
                        "Knee is fine now, the physio cleared me in July and I'm back to batting "
                        "and even bowling a bit of medium pace at practice.",
                    ),
                    (
                        "kochi_plan",
                        "Ravi",
                        "We're flying to Kochi for three weeks in December to see my parents. "
                        "First trip back since we moved. Meera wants to see the elephants at the "
                        "temple festival.",
                    ),
                    (
                        "",
                        "Assistant",
                        "That sounds wonderful, and December in Kerala has pleasant weather. "
                        "Anything to prepare for, given your mum's health?",
                    ),
                    (
                        "glucose",
                        "Ravi",
                        "I'm bringing her a glucose monitor that syncs to my phone so I can nag "
                        "her from Berlin. She's already calling it 'the spy' and hiding it in her "
                        "sari drawer.",
                    ),
                ],
            ),
            (
                "2025-01-18T19:10:00Z",
                [
                    (
                        "job_new",
                        "Ravi",
                        "I left Zahlwerk. Starting February I'm a staff engineer at Gridlight, a "
                        "climate-tech company that forecasts solar output for grid operators. "
                        "Less fintech drama, more physics.",
                    ),
                    (
                        "",
                        "Assistant",
                        "Congratulations! That's a move toward a mission you seem to care about. "
                        "What will you be working on?",
                    ),
                    (
                        "job_new_detail",
                        "Ravi",
                        "Time-series forecasting infrastructure, in Rust and Python. I'll lead a "
                        "team of four engineers. Slightly terrified, mostly excited.",
                    ),
                    (
                        "vegan",
                        "Ravi",
                        "Also, new year thing: Anjali and I went fully vegan in January. No more "
                        "paneer, which hurts, but oat milk in chai is surprisingly okay.",
                    ),
                    (
                        "",
                        "Assistant",
                        "Going vegan from vegetarian is a smaller jump than from meat, but dairy "
                        "is often the hardest part. Want some dairy-free South Indian recipes?",
                    ),
                    (
                        "kochi_done",
                        "Ravi",
                        "Kochi was amazing. Meera rode on my shoulders at the temple festival and "
                        "my mum actually walked with us every evening. Her sugar numbers are "
                        "better than they've been in years.",
                    ),
                ],
            ),
            (
                "2025-06-07T11:30:00Z",
                [
                    (
                        "german_new",
                        "Ravi",
                        "I passed the B1 German exam! The speaking part was about recycling rules, "
                        "which in Germany is basically a sport. Next goal is B2 for citizenship.",
                    ),
                    (
                        "",
                        "Assistant",
                        "Herzlichen Glückwunsch! B1 is a solid milestone. Are you continuing at "
                        "the Volkshochschule for B2?",
                    ),
                    (
                        "",
                        "Ravi",
                        "Probably online with a tutor instead, my evenings are packed now with the "
                        "new team and Meera's swimming lessons.",
                    ),
                    (
                        "home_new",
                        "Ravi",
                        "And we moved! We're now in a second-floor flat in Friedrichshain near "
                        "Boxhagener Platz, with an elevator and a balcony. The heating works and "
                        "the landlord writes in lowercase.",
                    ),
                    (
                        "anjali_job",
                        "Ravi",
                        "Anjali joined a Berlin firm designing timber housing, so she's finally "
                        "done with the Bangalore night calls. She bikes there in ten minutes.",
                    ),
                    (
                        "",
                        "Assistant",
                        "That sounds like a calmer household overall. How is Meera finding the "
                        "move and the new neighborhood?",
                    ),
                    (
                        "meera",
                        "Ravi",
                        "She misses her old Kita friends, but the new one has a vegetable garden "
                        "and she's in charge of the tomatoes, so she's forgiven us.",
                    ),
                ],
            ),
            (
                "2025-10-25T09:50:00Z",
                [
                    (
                        "captain",
                        "Ravi",
                        "The club made me captain of the second eleven for next season. Mostly "
                        "this means I'm in charge of the WhatsApp group and bringing the cones.",
                    ),
                    (
                        "baby2",
                        "Ravi",
                        "Personal news: Anjali is expecting our second child in March. Meera has "
                        "already decided it's a sister and named it Tomato.",
                    ),
                    (
                        "",
                        "Assistant",
                        "Congratulations to you both! March will be a busy month. Do you have "
                        "family coming to help?",
                    ),
                    (
                        "parents_visit",
                        "Ravi",
                        "My parents are flying to Berlin in February to stay for three months. My "
                        "mum is already asking whether German supermarkets sell jaggery.",
                    ),
                    (
                        "cargo",
                        "Ravi",
                        "I swapped the Gazelle for a cargo bike, a Bullitt with a rain cover, "
                        "because two kids in a child seat wasn't going to work. It's heavy but "
                        "Meera calls it the bus.",
                    ),
                ],
            ),
        ],
    ),
    User(
        "sofia_r",
        [
            (
                "2024-03-09T16:00:00Z",
                [
                    (
                        "dana_hi",
                        "Dana",
                        "Sofia! It's been forever. Are you still teaching chemistry at Catalina "
                        "High, or did they finally let you escape to the district office?",
                    ),
                    (
                        "job_old",
                        "Sofia",
                        "Still at Catalina, year nine of teaching chemistry. I have three sections "
                        "of sophomores and one AP class, and someone set a lab bench on fire last "
                        "week. Small fire. Mostly eyebrows.",
                    ),
                    (
                        "dana_job",
                        "Dana",
                        "Ha! Mostly eyebrows. I'm still at the bike shop, by the way, I run the "
                        "repair side now. Mostly e-bikes, people in Tucson love an e-bike.",
                    ),
                    (
                        "novel",
                        "Sofia",
                        "I have a secret project: I'm writing a young adult novel about a girl who "
                        "finds a meteorite in the Sonoran desert. I write from 5 to 6 am before "
                        "school. I'm at 40,000 words.",
                    ),
                    (
                        "",
                        "Dana",
                        "Sofia that's huge! You've talked about writing since college. Can I read "
                        "it when it's done? I promise to be nice.",
                    ),
                    (
                        "",
                        "Sofia",
                        "When it's less embarrassing. The middle sags like an old mattress and the "
                        "villain is basically a mustache.",
                    ),
                    (
                        "wildlife",
                        "Sofia",
                        "Saturdays I volunteer at a wildlife rehab center outside Tucson. Right now "
                        "I'm bottle-feeding two orphaned javelinas, which smell exactly as bad as "
                        "you'd think.",
                    ),
                    (
                        "dana_dog",
                        "Dana",
                        "My dog Pepper would lose her mind around javelinas. She's a blue heeler, "
                        "she herds everything, including my nephew.",
                    ),
                ],
            ),
            (
                "2024-05-25T15:30:00Z",
                [
                    (
                        "mom_move",
                        "Sofia",
                        "Big change at home: my mom is moving in with me next month. Her arthritis "
                        "got bad and she can't manage the stairs at her place in Nogales anymore.",
                    ),
                    (
                        "",
                        "Dana",
                        "That's a big shift. How are you feeling about it? You two used to fight "
                        "about everything, including parking.",
                    ),
                    (
                        "",
                        "Sofia",
                        "Honestly, nervous. But she cooks, and she has promised to stop "
                        "reorganizing my spice cabinet. We'll see how long that lasts.",
                    ),
                    (
                        "pickleball",
                        "Sofia",
                        "I've also joined a pickleball league at Himmel Park on Tuesday evenings. "
                        "My partner is a retired podiatrist named Gil who plays like he's in the "
                        "Olympics.",
                    ),
                    (
                        "",
                        "Dana",
                        "Pickleball! You used to make fun of it every single time. Are you any good, "
                        "or is Gil carrying you?",
                    ),
                    (
                        "",
                        "Sofia",
                        "We're 5 and 2 this season. Gil does the work, I mostly yell 'yours' at "
                        "the wrong moments and bring the orange slices.",
                    ),
                    (
                        "car_old",
                        "Sofia",
                        "My Jeep Cherokee's air conditioning died in May, which in Tucson is a "
                        "medical emergency. Fixing it cost $1,400 and most of my patience.",
                    ),
                    (
                        "",
                        "Dana",
                        "Ouch. My truck's AC went out in 2022 and I drove with wet towels on my "
                        "neck for a whole week in July.",
                    ),
                ],
            ),
            (
                "2024-08-17T18:10:00Z",
                [
                    (
                        "agent",
                        "Sofia",
                        "Dana, I got an agent! A literary agent in Denver named Priya Raman read "
                        "my whole manuscript and called it 'weird in the best way.' She's sending "
                        "it to editors in September.",
                    ),
                    (
                        "",
                        "Dana",
                        "I'm screaming. Priya Raman! We have to celebrate properly. Margaritas at La "
                        "Cocina this weekend?",
                    ),
                    (
                        "title",
                        "Sofia",
                        "Yes! And the book has a title now: 'Iron Rain.' The meteorite is "
                        "iron-nickel, so it's a chemistry joke that maybe eight people will get.",
                    ),
                    (
                        "mom_garden",
                        "Sofia",
                        "Mom's been living with me two months. She took over the garden and has a "
                        "whole row of chiltepin peppers. My spice cabinet has been reorganized "
                        "three times.",
                    ),
                    (
                        "",
                        "Dana",
                        "Of course it has. Tell her I want some of those peppers for my salsa, I'll "
                        "trade her a jar of my pickled onions.",
                    ),
                    (
                        "owl",
                        "Sofia",
                        "At the rehab center this week we released a great horned owl that had "
                        "been hit by a car. Watching it fly off at dusk was the best thing that's "
                        "happened this year, agent included.",
                    ),
                ],
            ),
            (
                "2025-01-11T17:45:00Z",
                [
                    (
                        "job_new",
                        "Sofia",
                        "I'm leaving the classroom. Starting next semester I'll be an "
                        "instructional coach for the district, helping new science teachers with "
                        "lab safety and lesson design.",
                    ),
                    (
                        "",
                        "Dana",
                        "Coach Sofia! Will you miss your students, though? You always said the "
                        "kids were the best part.",
                    ),
                    (
                        "",
                        "Sofia",
                        "The AP kids, yes. The eyebrow fires, no. I'll still be in classrooms "
                        "every day, just at the back with a clipboard.",
                    ),
                    (
                        "deal",
                        "Sofia",
                        "And, big one: Iron Rain sold! A small press in Minneapolis, Larkspur "
                        "Books, bought it in a two-book deal. It comes out in spring 2026.",
                    ),
                    (
                        "",
                        "Dana",
                        "SOFIA. A two-book deal! Okay, margaritas are on me this time, and I'm "
                        "telling everyone I know.",
                    ),
                    (
                        "dana_move",
                        "Dana",
                        "My news is smaller: I'm moving to Flagstaff in March, I got a job "
                        "managing a bike shop up there. Pepper is going to love the snow.",
                    ),
                    (
                        "car_new",
                        "Sofia",
                        "I finally sold the Jeep. I bought a used Toyota Prius, so I'm now a woman "
                        "who gets fifty miles per gallon and has no dignity.",
                    ),
                ],
            ),
            (
                "2025-06-21T12:20:00Z",
                [
                    (
                        "league_won",
                        "Sofia",
                        "Gil and I won the spring pickleball league! There was a trophy. It's "
                        "plastic and I love it more than my diploma.",
                    ),
                    (
                        "",
                        "Dana",
                        "Champion! Flagstaff is good, by the way. It rained on my birthday and "
                        "Pepper herded the raindrops.",
                    ),
                    (
                        "mom_knee",
                        "Sofia",
                        "Mom had her knee replaced in April. She's walking with a cane and already "
                        "back to bossing the peppers around.",
                    ),
                    (
                        "sequel",
                        "Sofia",
                        "I'm drafting the second book now. It's about the same girl, a year later, "
                        "chasing a comet. My editor wants it by March.",
                    ),
                    (
                        "",
                        "Dana",
                        "A comet sequel, of course. Are you still getting up to write at five in "
                        "the morning before work?",
                    ),
                    (
                        "night_writer",
                        "Sofia",
                        "No, the coaching job starts later, so I write from 8 to 10 at night now. "
                        "Turns out I'm a night writer, I was just too tired to know it.",
                    ),
                ],
            ),
            (
                "2025-11-08T14:00:00Z",
                [
                    (
                        "coordinator",
                        "Sofia",
                        "I got promoted at the rehab center, kind of: I'm now the volunteer "
                        "coordinator, so I schedule forty people and no longer smell like "
                        "javelina.",
                    ),
                    (
                        "",
                        "Dana",
                        "From javelina nanny to boss. Proud of you. Any owls lately, or is it "
                        "all spreadsheets and schedules now?",
                    ),
                    (
                        "tortoise",
                        "Sofia",
                        "Only the one in my living room: I adopted a one-eyed desert tortoise "
                        "named Captain that the center couldn't release. He eats hibiscus flowers "
                        "and ignores me.",
                    ),
                    (
                        "",
                        "Dana",
                        "A pirate tortoise! Pepper would be so confused by him. Send me a photo "
                        "of his good side, if he has one.",
                    ),
                    (
                        "cover",
                        "Sofia",
                        "Larkspur sent the cover for Iron Rain: a girl silhouetted against a sky "
                        "full of burning streaks. I cried in the Target parking lot.",
                    ),
                    (
                        "launch",
                        "Sofia",
                        "The launch party will be at Antigone Books on Fourth Avenue in April. "
                        "You're required to come, Dana, and to laugh at my jokes.",
                    ),
                ],
            ),
        ],
    ),
    User(
        "o.lindqvist",
        [
            (
                "2024-04-06T09:15:00Z",
                [
                    (
                        "career",
                        "Oskar",
                        "Good morning. My granddaughter set this up for me. I am Oskar, 67, "
                        "retired after forty years as a chief engineer on the Stena ferries "
                        "between Gothenburg and Kiel.",
                    ),
                    (
                        "",
                        "Assistant",
                        "Good morning, Oskar! Forty years at sea is quite a career. What can I "
                        "help you with today?",
                    ),
                    (
                        "bees",
                        "Oskar",
                        "Bees. I keep two beehives at the bottom of the garden in Askim, and one "
                        "colony looks weak after winter. Very few bees flying even on warm days.",
                    ),
                    (
                        "",
                        "Assistant",
                        "A weak colony after winter might be queenless or short of stores. Have "
                        "you been able to inspect the brood frames for eggs?",
                    ),
                    (
                        "",
                        "Oskar",
                        "I looked yesterday. No eggs, but some queen cups. I think the old queen "
                        "died. I will ask my beekeeping club whether someone has a spare queen.",
                    ),
                    (
                        "warfarin",
                        "Oskar",
                        "Also, my doctor put me on warfarin for atrial fibrillation. I must go for "
                        "blood tests every two weeks and I am not allowed to eat much spinach, "
                        "which my wife finds very funny.",
                    ),
                    (
                        "wife",
                        "Oskar",
                        "My wife Britt is a retired dentist. She still checks the teeth of every "
                        "grandchild who visits, whether they like it or not.",
                    ),
                    (
                        "",
                        "Assistant",
                        "Britt sounds thorough! Warfarin needs a steady vitamin K intake rather "
                        "than none at all, so ask your clinic how much spinach is fine.",
                    ),
                    (
                        "folkboat",
                        "Oskar",
                        "In summer I sail our old wooden boat, a 26-foot folkboat called "
                        "Sjöfröken, around the southern archipelago. She leaks a little, like me.",
                    ),
                ],
            ),
            (
                "2024-06-15T08:40:00Z",
                [
                    (
                        "italian",
                        "Oskar",
                        "I have started to learn Italian on the computer. Britt and I plan a trip "
                        "to Sicily next spring for our 45th wedding anniversary. Currently I can "
                        "say 'the cat drinks milk'.",
                    ),
                    (
                        "",
                        "Assistant",
                        "A good start! Sicily in spring is beautiful. Would you like some travel "
                        "phrases for restaurants and trains?",
                    ),
                    (
                        "grandkids",
                        "Oskar",
                        "We have three grandchildren: Elsa is 12 and plays handball, the twins "
                        "Nils and Vidar are 7 and destroy everything they touch, including my "
                        "tomato plants.",
                    ),
                    (
                        "choir",
                        "Oskar",
                        "On Wednesday evenings I sing bass in a men's choir in Mölndal. We are "
                        "twenty old men and we mostly sing sea shanties and Bellman songs.",
                    ),
                    (
                        "",
                        "Assistant",
                        "That sounds like great fun, and singing is good for the lungs. Do you "
                        "ever perform in public?",
                    ),
                    (
                        "",
                        "Oskar",
                        "At Christmas and midsummer. Last midsummer we sang in the rain to four "
                        "people and a dog, and the dog left early.",
                    ),
                    (
                        "queen",
                        "Oskar",
                        "Good news about the bees: the club gave me a queen, and the colony is "
                        "strong again. I put a honey super on both hives last week.",
                    ),
                ],
            ),
            (
                "2024-09-21T10:00:00Z",
                [
                    (
                        "honey_2024",
                        "Oskar",
                        "The honey harvest is done. 18 kilos from the two hives, a very dark "
                        "summer honey, tastes of linden and raspberry. Britt says there is honey "
                        "in every cupboard now.",
                    ),
                    (
                        "",
                        "Assistant",
                        "18 kilos is a fine harvest for two hives! Are you planning to sell some "
                        "or give it all away?",
                    ),
                    (
                        "",
                        "Oskar",
                        "Gifts, mostly. The grandchildren sell a few jars at the school Christmas "
                        "market and keep the money, which I think is good business training.",
                    ),
                    (
                        "apixaban",
                        "Oskar",
                        "Changes at the heart clinic: the cardiologist moved me from warfarin to "
                        "apixaban. No more blood tests every two weeks and I can eat spinach "
                        "again. Britt is disappointed.",
                    ),
                    (
                        "",
                        "Assistant",
                        "That's a common switch and much more convenient. Keep taking it at the "
                        "same times each day.",
                    ),
                    (
                        "boat_sold",
                        "Oskar",
                        "I sold Sjöfröken. My back cannot do the winter maintenance any more, "
                        "sanding and varnishing for weeks. A young couple from Marstrand bought "
                        "her and promised to love her.",
                    ),
                ],
            ),
            (
                "2025-01-25T09:30:00Z",
                [
                    (
                        "launch_boat",
                        "Oskar",
                        "I could not be without a boat, so I bought a small electric launch, five "
                        "metres, with a canopy. It goes six knots and makes no noise, the perfect "
                        "boat for an old engineer.",
                    ),
                    (
                        "",
                        "Assistant",
                        "An electric launch sounds ideal for calm archipelago trips. How is the "
                        "battery range in practice?",
                    ),
                    (
                        "",
                        "Oskar",
                        "About forty kilometres if I don't race. I never race, I have nothing "
                        "left to prove to anybody.",
                    ),
                    (
                        "sicily_plan",
                        "Oskar",
                        "Sicily is booked: ten days in April, Palermo first and then a small hotel "
                        "in Cefalù. My Italian is now good enough to argue about the price of "
                        "oranges.",
                    ),
                    (
                        "elsa",
                        "Oskar",
                        "Elsa has been picked for the regional handball team. We drive her to "
                        "Borås every Sunday for training, and I bring a thermos of coffee and a "
                        "folding chair.",
                    ),
                ],
            ),
            (
                "2025-05-10T08:50:00Z",
                [
                    (
                        "sicily_done",
                        "Oskar",
                        "We are home from Sicily. Britt fell in love with Cefalù, I fell in love "
                        "with arancini. We celebrated 45 years with dinner on a terrace above the "
                        "sea.",
                    ),
                    (
                        "",
                        "Assistant",
                        "Happy anniversary to you both! It sounds like the trip was everything you "
                        "both hoped for.",
                    ),
                    (
                        "swarm",
                        "Oskar",
                        "Spring news: I caught a swarm from my own hive hanging in the neighbour's "
                        "apple tree, so now I have three hives. The neighbour wants payment in "
                        "honey.",
                    ),
                    (
                        "knees",
                        "Oskar",
                        "My knees are complaining when I climb into the launch. The "
                        "physiotherapist gave me exercises and says I should swim. I have not "
                        "swum since the navy.",
                    ),
                    (
                        "",
                        "Assistant",
                        "Swimming is gentle on the knees. Many pools have quiet seniors' sessions "
                        "in the mornings.",
                    ),
                    (
                        "pool",
                        "Oskar",
                        "I went to the Valhalla baths on Tuesday morning. Twenty lengths, slowly, "
                        "and an old man in the next lane told me my technique was from 1975. He "
                        "was right.",
                    ),
                ],
            ),
            (
                "2025-09-13T09:05:00Z",
                [
                    (
                        "honey_2025",
                        "Oskar",
                        "Harvest this year: 31 kilos from three hives. The third hive, the swarm, "
                        "gave the most. I am thinking of entering the county honey show in "
                        "October.",
                    ),
                    (
                        "solo",
                        "Oskar",
                        "The choir asked me to sing a solo at the Christmas concert: 'Calle "
                        "Schewens vals.' I have sung bass for 20 years and never alone. I am "
                        "nervous as a schoolboy.",
                    ),
                    (
                        "",
                        "Assistant",
                        "That's an honour. Practising with a recording can help with nerves. "
                        "Would you like me to break the song into sections?",
                    ),
                    (
                        "ebike",
                        "Oskar",
                        "I bought an electric bicycle to get to the choir in Mölndal. Britt says I "
                        "look like a postman. I say postmen are respectable people.",
                    ),
                    (
                        "spanish",
                        "Oskar",
                        "I stopped the Italian after Sicily. Now I try Spanish, because the twins "
                        "are learning it at school and they correct me, which they enjoy very "
                        "much.",
                    ),
                ],
            ),
        ],
    ),
    User(
        "نور",
        [
            (
                "2024-01-20T21:00:00Z",
                [
                    (
                        "",
                        "Callum",
                        "Noor! How's the PhD treating you? Still arguing with dead Scottish poets "
                        "about their vowels?",
                    ),
                    (
                        "phd",
                        "Noor",
                        "Always. I'm in second year of my linguistics PhD at Edinburgh, studying "
                        "how Doric Scots vowels are shifting among teenagers in Aberdeenshire. I "
                        "spend a lot of time recording 15-year-olds who hate me.",
                    ),
                    (
                        "fraser",
                        "Noor",
                        "My supervisor, Dr. Elspeth Fraser, is brilliant but terrifying. She "
                        "returns drafts with comments in green ink that just say 'why?' in the "
                        "margin.",
                    ),
                    (
                        "callum_job",
                        "Callum",
                        "Green ink is a power move. I'm still at the distillery in Leith, by the "
                        "way, they made me head of tours. I now say 'notes of heather and peat' "
                        "forty times a day.",
                    ),
                    (
                        "flat_old",
                        "Noor",
                        "I'm still in the Marchmont flat with three flatmates. The boiler breaks "
                        "every time it snows and the living room window doesn't close all the "
                        "way.",
                    ),
                    (
                        "barista",
                        "Noor",
                        "To pay rent I work weekend shifts as a barista at a café on Bruntsfield "
                        "Place. I can make a rosetta in oat milk now, which is my only marketable "
                        "skill.",
                    ),
                    (
                        "cat",
                        "Noor",
                        "And Pistachio, my cat, learned to open the kitchen cupboard. She ate half "
                        "a bag of lentils and looked at me like it was my fault.",
                    ),
                    (
                        "",
                        "Callum",
                        "That cat is a criminal mastermind. Give her my regards and maybe a padlock "
                        "for the cupboard.",
                    ),
                ],
            ),
            (
                "2024-04-13T19:30:00Z",
                [
                    (
                        "test_failed",
                        "Noor",
                        "I failed my driving test. Clipped the kerb on the parallel park and then "
                        "stalled at a roundabout with the examiner sighing audibly. I'm rebooking "
                        "for the summer.",
                    ),
                    (
                        "",
                        "Callum",
                        "Everyone fails the first one. I failed mine for going too slowly on a "
                        "dual carriageway, which the examiner called 'a hazard to tractors.'",
                    ),
                    (
                        "foodbank",
                        "Noor",
                        "I started volunteering Thursday afternoons at a food bank in Gorgie. "
                        "Mostly sorting tins and chatting with the regulars, who are much nicer "
                        "than my research participants.",
                    ),
                    (
                        "glasgow_plan",
                        "Noor",
                        "I'm presenting my first paper at a sociolinguistics conference in Glasgow "
                        "in June. Twenty minutes on vowel shifts and I already feel sick.",
                    ),
                    (
                        "",
                        "Callum",
                        "You'll be great. Just imagine the audience are all teenagers from "
                        "Aberdeenshire who hate you. Familiar territory.",
                    ),
                    (
                        "parents",
                        "Noor",
                        "My parents are visiting from Amman in May. My mum wants to see the castle "
                        "and my dad wants to see 'a real Scottish sheep,' so we're renting a car "
                        "to go to the Highlands.",
                    ),
                ],
            ),
            (
                "2024-07-27T20:15:00Z",
                [
                    (
                        "test_passed",
                        "Noor",
                        "I PASSED. Second attempt, zero major faults, one minor for hesitating at "
                        "a junction. I can drive now, legally, on roads!",
                    ),
                    (
                        "",
                        "Callum",
                        "Congrats! Where's the first road trip going to be? Please not the A9 "
                        "in February, I beg you.",
                    ),
                    (
                        "glasgow_done",
                        "Noor",
                        "The Glasgow talk went fine! Someone from Leeds asked a hard question "
                        "about vowel duration and I only blanked for three seconds. Dr. Fraser "
                        "said 'adequate', which from her is a standing ovation.",
                    ),
                    (
                        "fraser_retires",
                        "Noor",
                        "Bad news, though: Dr. Fraser is retiring at the end of the year. I need a "
                        "new supervisor for my final year and I'm panicking a little.",
                    ),
                    (
                        "",
                        "Callum",
                        "That's rough timing, right before the last year. Anyone in mind to "
                        "replace her as supervisor?",
                    ),
                    (
                        "",
                        "Noor",
                        "Maybe Professor Okonkwo, who works on language variation in West African "
                        "Englishes. Her methods would really help with my data.",
                    ),
                    (
                        "callum_dog",
                        "Callum",
                        "Unrelated but important: I adopted a greyhound named Dash. He's the "
                        "fastest dog in Leith and also the laziest.",
                    ),
                ],
            ),
            (
                "2024-11-30T18:00:00Z",
                [
                    (
                        "okonkwo",
                        "Noor",
                        "It's official: Professor Adaeze Okonkwo is my new primary supervisor "
                        "from January. She replies to emails within an hour and uses emojis. I'm "
                        "disoriented.",
                    ),
                    (
                        "tutor",
                        "Noor",
                        "I quit the café. I'm tutoring undergraduate phonetics for the department "
                        "now, six hours a week, and it pays better than lattes.",
                    ),
                    (
                        "",
                        "Callum",
                        "A proper academic job! Do you miss the coffee machine and the Saturday "
                        "morning regulars at all?",
                    ),
                    (
                        "",
                        "Noor",
                        "I miss the free croissants. I don't miss the 7 am Saturday shifts or the "
                        "man who ordered a 'small large' every week.",
                    ),
                    (
                        "flat_new",
                        "Noor",
                        "And I moved out of Marchmont. I'm renting a one-bedroom in Leith near the "
                        "Shore with just me and Pistachio. The boiler is new and I could cry.",
                    ),
                    (
                        "",
                        "Callum",
                        "Leith! We're neighbours now. Pistachio and Dash can have a standoff on "
                        "the stairs every morning.",
                    ),
                ],
            ),
            (
                "2025-04-05T17:40:00Z",
                [
                    (
                        "deadline",
                        "Noor",
                        "Thesis deadline is set: I'm submitting on 30 September. I have four "
                        "chapters drafted out of six and a spreadsheet of 2,300 vowel tokens that "
                        "haunts my dreams.",
                    ),
                    (
                        "vet",
                        "Noor",
                        "Pistachio had to have two teeth pulled. The vet bill was £640 and she's "
                        "now refusing to look at me, which is fair.",
                    ),
                    (
                        "",
                        "Callum",
                        "Poor Pistachio. Dash sends his sympathies and one slightly chewed tennis "
                        "ball, his very finest one.",
                    ),
                    (
                        "skye",
                        "Noor",
                        "First proper road trip done: I drove to Skye with my cousin over Easter. "
                        "I only stalled twice and a sheep stared me down on a single-track road.",
                    ),
                    (
                        "climbing",
                        "Noor",
                        "I've started indoor climbing at the Edinburgh International Climbing "
                        "Arena in Ratho to get away from my desk. I can do the orange routes now.",
                    ),
                ],
            ),
            (
                "2025-10-18T19:20:00Z",
                [
                    (
                        "submitted",
                        "Noor",
                        "I submitted! Actually a week late, on 7 October, because chapter five ate "
                        "my life. The viva is scheduled for January.",
                    ),
                    (
                        "",
                        "Callum",
                        "DOCTOR Noor, nearly! We're celebrating at the distillery, I'll get you "
                        "the good stuff from the back.",
                    ),
                    (
                        "postdoc",
                        "Noor",
                        "And I got a postdoc offer from the University of Leeds, two years, on "
                        "dialect change in Yorkshire. Starts in March if I pass the viva.",
                    ),
                    (
                        "callum_bar",
                        "Callum",
                        "Speaking of changes, I've left the distillery. I'm opening a small "
                        "whisky bar in Stockbridge with my brother in December.",
                    ),
                    (
                        "foodbank_leave",
                        "Noor",
                        "I'm stepping back from the food bank for now, since I'll be moving to "
                        "Leeds. They gave me a card signed by all the Thursday regulars and I "
                        "cried into the tinned tomatoes.",
                    ),
                    (
                        "",
                        "Noor",
                        "Pistachio is coming to Leeds with me, obviously. She has not been "
                        "consulted and will complain about it for the whole drive.",
                    ),
                ],
            ),
        ],
    ),
]

_MAREN, _RAVI, _SOFIA, _OSKAR, _NOOR = (user.user_id for user in USERS)

QUERIES = [
    # Maren
    Query(_MAREN, "What is Maren's greyhound called?", ["dog"], "lexical"),
    Query(_MAREN, "How fast did Maren run the Big Sur Half Marathon?", ["half"], "lexical"),
    Query(_MAREN, "Who teaches Maren's cello lessons?", ["cello"], "lexical"),
    Query(_MAREN, "What glaze is Maren using on the wedding plates?", ["plates"], "lexical"),
    Query(
        _MAREN,
        "Which kind of food is she dangerously reactive to?",
        ["allergy", "crab_models"],
        "paraphrase",
    ),
    Query(
        _MAREN,
        "Which orchestral string did she attempt to master?",
        ["cello", "cello_stop"],
        "paraphrase",
    ),
    Query(_MAREN, "Where is her fiancé employed?", ["partner"], "paraphrase"),
    Query(
        _MAREN,
        "Did they manage to witness the polar lights abroad?",
        ["iceland_done"],
        "paraphrase",
    ),
    Query(_MAREN, "Who is her niece?", ["baby"], "paraphrase"),
    Query(_MAREN, "What pets does Maren have?", ["dog", "cat"], "multi_fact"),
    Query(_MAREN, "Which races has Maren run or entered?", ["half", "marathon"], "multi_fact"),
    Query(
        _MAREN,
        "What has Maren made by hand for her sister's baby and for her wedding?",
        ["baby", "plates"],
        "multi_fact",
    ),
    Query(_MAREN, "Where does Maren work now?", ["job_new"], "temporal"),
    Query(_MAREN, "What car does Maren drive these days?", ["car_new"], "temporal"),
    Query(_MAREN, "Where does Maren live now?", ["home_new"], "temporal"),
    Query(_MAREN, "Does Maren still play the cello?", ["cello_stop"], "temporal"),
    Query(_MAREN, "How has Maren's coffee habit changed?", ["coffee_old", "mate"], "update"),
    Query(
        _MAREN, "How has Maren's relationship with Tomas changed?", ["partner", "engaged"], "update"
    ),
    Query(_MAREN, "What was Maren's job before she moved to Oregon?", ["job_old"], "earlier"),
    Query(_MAREN, "When did Maren's sister tell her about the pregnancy?", ["sister"], "earlier"),
    Query(_MAREN, "Where did Maren live before Newport?", ["home_old"], "earlier"),
    Query(_MAREN, "Which German exam did Maren pass?", [], "cross_user_trap"),
    # Ravi
    Query(_RAVI, "Where does Ravi's cricket club practice?", ["cricket"], "lexical"),
    Query(_RAVI, "What guitar songs is Ravi learning?", ["guitar"], "lexical"),
    Query(_RAVI, "Why did Ravi bring his mum a glucose monitor?", ["glucose"], "lexical"),
    Query(_RAVI, "Which German exam did Ravi pass?", ["german_new"], "lexical"),
    Query(_RAVI, "What does his spouse do professionally?", ["family", "anjali_job"], "paraphrase"),
    Query(
        _RAVI,
        "Which chronic illness was his mother recently found to have?",
        ["mother"],
        "paraphrase",
    ),
    Query(_RAVI, "How does he commute to the office?", ["bike"], "paraphrase"),
    Query(_RAVI, "What sport injury sidelined him?", ["knee"], "paraphrase"),
    Query(_RAVI, "What does his kid grow at the nursery?", ["meera"], "paraphrase"),
    Query(
        _RAVI,
        "Which programming languages has Ravi used at work?",
        ["job_old", "job_new_detail"],
        "multi_fact",
    ),
    Query(
        _RAVI,
        "Who will be joining Ravi's family in Berlin next year?",
        ["baby2", "parents_visit"],
        "multi_fact",
    ),
    Query(
        _RAVI, "What roles has Ravi had at the cricket club?", ["cricket", "captain"], "multi_fact"
    ),
    Query(_RAVI, "Where does Ravi work now?", ["job_new"], "temporal"),
    Query(_RAVI, "Is Ravi still vegetarian?", ["vegan"], "temporal"),
    Query(_RAVI, "Which neighborhood does Ravi live in now?", ["home_new"], "temporal"),
    Query(_RAVI, "What bike does Ravi ride these days?", ["cargo"], "temporal"),
    Query(_RAVI, "How has Ravi's German progressed?", ["german_old", "german_new"], "update"),
    Query(_RAVI, "How has Ravi's knee recovered?", ["knee", "knee_ok"], "update"),
    Query(_RAVI, "Which company did Ravi work for before Gridlight?", ["job_old"], "earlier"),
    Query(
        _RAVI,
        "When did Ravi first fly back to Kochi after moving?",
        ["kochi_plan", "kochi_done"],
        "earlier",
    ),
    Query(_RAVI, "What is Ravi's greyhound called?", [], "cross_user_trap"),
    Query(_RAVI, "How many beehives does Ravi keep?", [], "cross_user_trap"),
    # Sofia and her friend Dana
    Query(_SOFIA, "Why is Sofia's book title a chemistry joke?", ["title"], "lexical"),
    Query(_SOFIA, "Who is Sofia's pickleball partner?", ["pickleball"], "lexical"),
    Query(_SOFIA, "Which owl did the rehab center release?", ["owl"], "lexical"),
    Query(_SOFIA, "Where will the Iron Rain launch party be?", ["launch"], "lexical"),
    Query(_SOFIA, "Which publishing house acquired her debut?", ["deal"], "paraphrase"),
    Query(_SOFIA, "Who represents her writing in the industry?", ["agent"], "paraphrase"),
    Query(_SOFIA, "What baby animals was she nursing with milk?", ["wildlife"], "paraphrase"),
    Query(_SOFIA, "Which shelled pet shares her house?", ["tortoise"], "paraphrase"),
    Query(_SOFIA, "What ailment forced her parent to relocate?", ["mom_move"], "paraphrase"),
    Query(
        _SOFIA, "What health problems has Sofia's mom had?", ["mom_move", "mom_knee"], "multi_fact"
    ),
    Query(
        _SOFIA,
        "What has Sofia done at the wildlife rehab center?",
        ["wildlife", "owl", "coordinator"],
        "multi_fact",
    ),
    Query(_SOFIA, "What are Sofia's two books about?", ["novel", "sequel"], "multi_fact"),
    Query(_SOFIA, "What is Sofia's job now?", ["job_new"], "temporal"),
    Query(_SOFIA, "What car does Sofia drive now?", ["car_new"], "temporal"),
    Query(_SOFIA, "Where is Dana living now?", ["dana_move"], "temporal"),
    Query(
        _SOFIA,
        "How has Sofia's role at the rehab center changed?",
        ["wildlife", "coordinator"],
        "update",
    ),
    Query(_SOFIA, "How has Sofia's writing schedule changed?", ["novel", "night_writer"], "update"),
    Query(
        _SOFIA,
        "What subject did Sofia teach before becoming a coach?",
        ["dana_hi", "job_old"],
        "earlier",
    ),
    Query(_SOFIA, "What car did Sofia have before the Prius?", ["car_old", "car_new"], "earlier"),
    Query(_SOFIA, "Which German exam level did Sofia pass?", [], "cross_user_trap"),
    Query(_SOFIA, "Which solo will Sofia sing at the Christmas concert?", [], "cross_user_trap"),
    # Oskar
    Query(_OSKAR, "What is the name of Oskar's folkboat?", ["folkboat"], "lexical"),
    Query(_OSKAR, "What does Oskar's men's choir sing?", ["choir"], "lexical"),
    Query(_OSKAR, "Where does Elsa train for handball?", ["elsa"], "lexical"),
    Query(_OSKAR, "Which song will Oskar sing as a solo?", ["solo"], "lexical"),
    Query(_OSKAR, "What was his profession on ships?", ["career"], "paraphrase"),
    Query(_OSKAR, "What was his partner's occupation?", ["wife"], "paraphrase"),
    Query(
        _OSKAR,
        "What flavour notes did his apiary's first yield have?",
        ["honey_2024"],
        "paraphrase",
    ),
    Query(_OSKAR, "What does he ride to rehearsals?", ["ebike"], "paraphrase"),
    Query(_OSKAR, "How did the Mediterranean island holiday go?", ["sicily_done"], "paraphrase"),
    Query(
        _OSKAR,
        "Which languages has Oskar studied since retiring?",
        ["italian", "spanish"],
        "multi_fact",
    ),
    Query(_OSKAR, "What is Oskar doing for his knees?", ["knees", "pool"], "multi_fact"),
    Query(_OSKAR, "What does Oskar do on Wednesdays and Sundays?", ["choir", "elsa"], "multi_fact"),
    Query(_OSKAR, "How many beehives does Oskar have now?", ["swarm"], "temporal"),
    Query(_OSKAR, "What boat does Oskar have now?", ["launch_boat"], "temporal"),
    Query(_OSKAR, "Which language is Oskar learning now?", ["spanish"], "temporal"),
    Query(_OSKAR, "Which anticoagulant is he on now?", ["apixaban"], "temporal"),
    Query(
        _OSKAR,
        "How has Oskar's honey harvest changed from one year to the next?",
        ["honey_2024", "honey_2025"],
        "update",
    ),
    Query(_OSKAR, "How did Oskar's heart medication change?", ["warfarin", "apixaban"], "update"),
    Query(
        _OSKAR,
        "Which sailboat did Oskar have before the electric launch?",
        ["folkboat", "boat_sold"],
        "earlier",
    ),
    Query(_OSKAR, "When did Oskar's doctor put him on warfarin?", ["warfarin"], "earlier"),
    Query(_OSKAR, "What is the name of Oskar's tortoise?", [], "cross_user_trap"),
    # Noor and her friend Callum
    Query(_NOOR, "What is Noor's PhD about?", ["phd"], "lexical"),
    Query(
        _NOOR,
        "Where did Noor present her first paper?",
        ["glasgow_plan", "glasgow_done"],
        "lexical",
    ),
    Query(_NOOR, "Why did Pistachio go to the vet?", ["vet"], "lexical"),
    Query(_NOOR, "Where does Noor go indoor climbing?", ["climbing"], "lexical"),
    Query(_NOOR, "Which country are her mother and father from?", ["parents"], "paraphrase"),
    Query(_NOOR, "What job did she hold at a coffee shop?", ["barista"], "paraphrase"),
    Query(_NOOR, "What charity work does she do?", ["foodbank", "foodbank_leave"], "paraphrase"),
    Query(_NOOR, "Which academic took over guiding her doctorate?", ["okonkwo"], "paraphrase"),
    Query(_NOOR, "What did her pet manage to break into?", ["cat"], "paraphrase"),
    Query(_NOOR, "What trips has Noor taken by car?", ["parents", "skye"], "multi_fact"),
    Query(_NOOR, "Who have been Noor's PhD supervisors?", ["fraser", "okonkwo"], "multi_fact"),
    Query(_NOOR, "What pets do Noor and Callum have?", ["cat", "callum_dog"], "multi_fact"),
    Query(_NOOR, "Where does Noor live now?", ["flat_new"], "temporal"),
    Query(_NOOR, "How does Noor earn money now?", ["tutor"], "temporal"),
    Query(_NOOR, "What does Callum do for work now?", ["callum_bar"], "temporal"),
    Query(
        _NOOR, "How did Noor's driving test go over time?", ["test_failed", "test_passed"], "update"
    ),
    Query(
        _NOOR, "How did Noor's thesis submission plans change?", ["deadline", "submitted"], "update"
    ),
    Query(_NOOR, "Where did Noor live before Leith?", ["flat_old"], "earlier"),
    Query(_NOOR, "When did Noor fail her driving test?", ["test_failed"], "earlier"),
    Query(_NOOR, "What does Noor's tortoise eat?", [], "cross_user_trap"),
    Query(_NOOR, "Which solo is Noor singing at the Christmas concert?", [], "cross_user_trap"),
]
