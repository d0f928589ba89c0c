"""Text for the demo community: a support forum for "Ember", a fictional smart thermostat.

Archetypes combine with slot values so that a year of questions reads varied and plausible.
Each question lists the ANSWERS (by index) that actually answer it.
"""

from __future__ import annotations

import random

SLOTS = {
    "device": ["Ember One", "Ember Mini", "Ember Pro", "the Ember hub", "an Ember One (2nd gen)"],
    "system": ["a combi boiler", "an air-source heat pump", "underfloor heating", "old cast-iron radiators", "a district heating set"],
    "room": ["living room", "bedroom", "home office", "attic", "kitchen", "kids' room", "bathroom"],
    "integration": ["Home Assistant", "Google Home", "Apple Home", "Alexa", "IFTTT", "openHAB"],
    "version": ["4.2.1", "4.3.0", "4.3.2", "5.0.0-beta", "5.0.1"],
    "phone": ["an iPhone 13", "a Pixel 7", "a Samsung Galaxy S22", "an older Android tablet", "an iPad"],
    "temp": ["19", "20", "20.5", "21", "18.5"],
    "minutes": ["10", "15", "20", "30", "45"],
}

QUESTIONS = [
    ("Wiring {device} to {system}: which terminals?",
     "I'm installing {device} and the old thermostat has four wires (red, white, green, blue). The heating is {system}. "
     "The quick guide only shows the two-wire case. Which terminals should I use, and do I need the C wire?",
     ["wiring", "installation"], (1,)),
    ("Schedule ignores my weekend settings",
     "My weekday schedule works fine but on Saturday the {room} still heats to {temp} °C at 6:30. I set a later start "
     "for weekends in the app (firmware {version}). Is there a separate weekend profile I'm missing?",
     ["schedules"], (16, 4)),
    ("{integration} integration stopped working after update",
     "Since the update to {version}, {integration} shows the thermostat as unavailable. Re-linking did not help. "
     "Anyone else seeing this? Logs only say `connection refused`.",
     ["integrations", "firmware"], (2,)),
    ("How accurate is the built-in temperature sensor?",
     "The display says {temp} °C but a separate thermometer in the {room} shows about a degree less. "
     "Is there a way to calibrate the sensor or add an offset?",
     ["sensor", "calibration"], (3,)),
    ("Heat pump keeps short-cycling with {device}",
     "We switched to {system} last month. With {device} the compressor starts and stops every {minutes} minutes. "
     "Is there a minimum run time setting for heat pumps?",
     ["heat-pump", "settings"], (0,)),
    ("Can I control two zones with one hub?",
     "Upstairs has {system}, downstairs radiators. Can one hub drive both zones with separate schedules, "
     "or do I need a second {device}?",
     ["zones", "installation"], (5,)),
    ("Geofencing turns heating off while someone is still home",
     "Geofencing works for me but when I leave, the heating drops even though my partner is still in the {room}. "
     "Her phone is {phone}. How does Ember decide that nobody is home?",
     ["geofencing", "app"], (6,)),
    ("Energy report numbers look too high",
     "The monthly report says we used twice as much as last year, but our gas meter disagrees. "
     "Where does the report get its figures from, and can I correct the boiler output?",
     ["energy", "reports"], (7,)),
    ("App crashes on {phone} when opening history",
     "Every time I open the history graph the app closes. Reinstalled twice. App version {version}. "
     "Is there a log I can send?",
     ["app", "bug"], (17,)),
    ("Best way to pre-heat before I get up?",
     "I want the {room} to be {temp} °C when I get up at 7. Should I set the schedule to 7:00 and rely on early start, "
     "or set it earlier myself? How long does early start look ahead?",
     ["schedules", "comfort"], (4,)),
    ("Display goes blank after a few seconds",
     "The screen on my {device} turns off after a few seconds and I have to tap it twice. "
     "Is there a setting to keep it on longer or dim instead of off?",
     ["display", "settings"], (9,)),
    ("Frost protection while on holiday",
     "We are away for three weeks in winter. What's the safest setting to keep the pipes safe without heating the whole house? "
     "Heating is {system}.",
     ["holiday", "settings"], (8,)),
    ("Battery drain on the radiator valves",
     "The smart radiator valves in the {room} need new batteries every two months. Is that normal? "
     "Hub firmware {version}.",
     ["valves", "battery"], (10,)),
    ("Sharing access with family members",
     "How do I give my teenage son control over the {room} only, without letting him change the whole schedule?",
     ["accounts", "app"], (11,)),
    ("Open window detection is too sensitive",
     "Whenever someone cooks, the kitchen valve thinks a window is open and shuts off for {minutes} minutes. "
     "Can I tune the sensitivity?",
     ["valves", "settings"], (12,)),
    ("Migrating from another smart thermostat",
     "I'm replacing a different brand thermostat with {device}. Can I import my schedule, or do I have to set it up again by hand?",
     ["getting-started"], (13,)),
    ("Hub loses Wi-Fi every night",
     "Around 3 am the hub drops off Wi-Fi and only comes back when I power-cycle it. Router is a mesh system. "
     "Any settings I should check?",
     ["wifi", "hub"], (14,)),
    ("Using {integration} automations with presence",
     "I'd like {integration} to set the {room} to {temp} °C only when my calendar says I'm working from home. "
     "Has anyone built something like this?",
     ["integrations", "automation"], (15,)),
]

DISCUSSIONS = [
    ("Show us your setup: {device} with {system}",
     "Curious how others combined Ember with their heating. Ours: {device} with {system}, valves in every room, "
     "automations in {integration}. What does yours look like?",
     ["showcase"]),
    ("How much did you save in your first winter?",
     "We kept the {room} at {temp} °C and used eco mode at night. The bill went down noticeably. "
     "What were your numbers, and what made the biggest difference?",
     ["energy"]),
    ("Tips for new members",
     "Collecting the advice that helped me most when I started: set realistic schedules, use early start, "
     "and check the wiring photos before you call an installer. What would you add?",
     ["getting-started"]),
    ("Firmware {version} first impressions",
     "Updated this morning. The new history view is faster and the {room} graph finally shows humidity. "
     "Anything you noticed, good or bad?",
     ["firmware"]),
]

ANSWERS = [
    "I had the same problem. What fixed it for me: open **Settings → Heating → Advanced**, then set the minimum on-time to "
    "{minutes} minutes. It took effect after the next cycle.",
    "Check the wiring first: on {system} the C wire is usually blue. If yours has no C wire, the Ember power adapter does the job. "
    "Take a photo before you disconnect anything.",
    "This is a known issue in {version}. Until the fix ships, re-linking **after** restarting the hub works:\n\n"
    "1. Restart the hub (hold the button 10 s)\n2. Remove the device in {integration}\n3. Add it again",
    "You can add an offset: **Room → Sensor → Calibration**. I use −0.5 in the {room}. "
    "Make sure the thermostat is not in direct sunlight or above a radiator.",
    "Early start looks up to two hours ahead and learns how fast each room warms up. "
    "Set the schedule to the time you want the room warm, not when heating should begin.",
    "Yes, one hub handles up to eight zones. Each zone gets its own schedule under **Zones**. "
    "You only need a second {device} if you want a display in that zone.",
    "Geofencing uses every phone linked to the home. Make sure location access is set to *Always* on {phone}; "
    "otherwise the app only reports when it is open.",
    "The report estimates from run time × boiler output. Enter the real output of your boiler under **Energy → Appliance** "
    "and the numbers line up much better.",
    "Holiday mode with frost protection at 7 °C is what I use; the hub still wakes the heating if any room drops below that.",
    "For the display: **Device → Display → Screen off after**. I set it to dim instead of off.",
    "That battery life is short. Usually it means the valve is fighting a stiff pin; press the pin a few times by hand "
    "and recalibrate the valve from the app.",
    "Give him a *guest* role limited to that room: **Home → Members → Invite → Limited access**.",
    "Sensitivity lives under **Room → Open window → Sensitivity**. Medium solved the kitchen problem for me.",
    "There is no importer, but setting up took me ten minutes with the copy-day feature: make Monday, then copy it to the other weekdays.",
    "Mesh routers sometimes band-steer the hub to 5 GHz at night. Give the hub a fixed 2.4 GHz network, or reserve its IP address.",
    "I built exactly that with {integration}: a calendar sensor plus a small automation that sets {temp} °C when the event starts. "
    "Happy to share the YAML.",
    "Weekends have their own profile under **Schedule → Weekend**. When it is switched off, the weekday times apply to all "
    "seven days. Switch it on and copy Monday as a starting point.",
    "The app keeps a log under **Settings → Help → Send diagnostics**; send it with the time of the crash. "
    "Clearing the app's cache fixed the history crash for me on {phone}.",
]

FOLLOW_UPS = [
    "Thanks, that did it!",
    "Tried this and it works. Marking as solved.",
    "Still happening here, even after the steps above.",
    "Same here on {device}. Following.",
    "Good tip, I didn't know about that setting.",
    "Could you share a screenshot of where that option is?",
    "Worked for the {room}, but not for the attic yet. Will report back.",
]

STAFF_NOTES = [
    "Thanks for the report. Our team can reproduce this on {version} and a fix is in the next release.",
    "Hi! Welcome to the community. The steps above are correct; we've also updated the help article.",
    "We've passed this to the product team. Please add your vote to the idea board if it matters to you.",
]

LABS_TOPICS = [
    ("Labs: adaptive schedules beta — feedback thread",
     "The adaptive schedule beta is on for everyone in labs. It learns when rooms are used and proposes changes. "
     "Tell us what it got right and wrong.",
     ["beta", "labs"]),
    ("Labs: new hub firmware {version} — testers wanted",
     "We need testers with {system}. Please report boot times and any dropped connections here.",
     ["beta", "firmware"]),
]

STAFF_ROOM_TOPICS = [
    ("Moderation notes for this month",
     "Spam attempts went up a little; please keep an eye on the new-member queue.",
     ["moderation"]),
]


def fill(rng: random.Random, text: str) -> str:
    """Fill {slots} with random values."""
    values = {name: rng.choice(options) for name, options in SLOTS.items()}
    return text.format(**values)
