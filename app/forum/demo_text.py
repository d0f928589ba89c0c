"""Text for the demo community: a support forum for "Ember", a fictional smart thermostat.

Each question archetype has several title phrasings and its own answers (several, so two helpers do
not say the same thing), and each discussion has replies about its subject; slots fill in devices,
rooms and versions. The planner never uses a title twice, so lists read like a real forum.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

SLOTS = {
    "device": ["Ember One", "Ember Mini", "Ember Pro", "Ember One (2nd gen)", "Ember Pro (2023)"],
    "system": ["a combi boiler", "an air-source heat pump", "underfloor heating", "old cast-iron radiators", "a district heating set"],
    "room": ["living room", "bedroom", "home office", "attic", "kitchen", "kids' room", "bathroom"],
    "integration": ["Home Assistant", "Google Home", "Apple Home", "Alexa", "IFTTT", "openHAB"],
    "version": ["4.2.1", "4.3.0", "4.3.2", "5.0.0-beta", "5.0.1"],
    "phone": ["an iPhone 13", "a Pixel 7", "a Samsung Galaxy S22", "an older Android tablet", "an iPad"],
    "temp": ["19", "20", "20.5", "21", "18.5"],
    "minutes": ["10", "15", "20", "30", "45"],
    "hour": ["2 am", "3 am", "4 am", "midnight", "5 am"],
}

@dataclass(frozen=True)
class Question:
    """A kind of question: ways to title it, its text, tags, and the answers that answer it."""

    titles: tuple[str, ...]
    body: str
    tags: tuple[str, ...]
    answers: tuple[str, ...]


@dataclass(frozen=True)
class Discussion:
    """A conversation starter with replies that talk about it."""

    titles: tuple[str, ...]
    body: str
    tags: tuple[str, ...]
    replies: tuple[str, ...]


QUESTIONS = [
    Question(
        ("Wiring {device} to {system}: which terminals?", "Which wire goes where? {device} on {system}",
         "Do I need the C wire for {device}?"),
        "I'm installing {device} and the old thermostat has four wires (red, white, green, blue). The heating is {system}. "
        "The quick guide only shows the two-wire case. Which terminals should I use, and do I need the C wire?",
        ("wiring", "installation"),
        ("Check the wiring first: on {system} the C wire is usually blue. If yours has no C wire, the Ember power adapter "
         "does the job. Take a photo before you disconnect anything.",
         "Switch the heating off at the fuse box before anything else. On my {system} red went to R and white to W1; "
         "green was the fan wire, which Ember does not use. The installer guide on the website has the full table.",
         "Blue to C, red to R, white to W1. Tape the green one off.",
         "I did this last winter on {system}; here is the order that worked:\n\n"
         "1. Switch the heating off at the fuse box and check with a tester that the wires are dead.\n"
         "2. Photograph the old terminals and label each wire with tape.\n"
         "3. Fit the Ember back plate, then connect red to R, white to W1 and blue to C.\n"
         "4. Tape off the green wire; Ember has no fan output.\n"
         "5. Power up and run **Settings → Installation → Test heating**. The boiler should fire within a minute.\n\n"
         "If the test fails, swap nothing at random: post a photo of both ends of the wiring here."),
    ),
    Question(
        ("Schedule ignores my weekend settings", "Weekend schedule not used in the {room}",
         "Saturday heating starts at weekday time ({version})"),
        "My weekday schedule works fine but on Saturday the {room} still heats to {temp} °C at 6:30. I set a later start "
        "for weekends in the app (firmware {version}). Is there a separate weekend profile I'm missing?",
        ("schedules",),
        ("Weekends have their own profile under **Schedule → Weekend**. When it is switched off, the weekday times apply "
         "to all seven days. Switch it on and copy Monday as a starting point.",
         "Also check that no *Hold* is still active: a hold set on Friday keeps running through the weekend until you "
         "cancel it from the home screen."),
    ),
    Question(
        ("{integration} integration stopped working after update", "{integration} shows Ember as unavailable since {version}",
         "{integration} lost the thermostat after the {version} update"),
        "Since the update to {version}, {integration} shows the thermostat as unavailable. Re-linking did not help. "
        "Anyone else seeing this? Logs only say `connection refused`.",
        ("integrations", "firmware"),
        ("This is a known issue in {version}. Until the fix ships, re-linking **after** restarting the hub works:\n\n"
         "1. Restart the hub (hold the button 10 s)\n2. Remove the device in {integration}\n3. Add it again",
         "Same here with {integration}. Removing the integration completely, restarting {integration} itself and adding "
         "it back fixed it; a plain re-link kept failing."),
    ),
    Question(
        ("How accurate is the built-in temperature sensor?", "{device} reads one degree too warm in the {room}",
         "Can I calibrate the sensor on {device}?"),
        "The display says {temp} °C but a separate thermometer in the {room} shows about a degree less. "
        "Is there a way to calibrate the sensor or add an offset?",
        ("sensor", "calibration"),
        ("You can add an offset: **Room → Sensor → Calibration**. I use −0.5 in the {room}. "
         "Make sure the thermostat is not in direct sunlight or above a radiator.",
         "Mine read high too until I moved it off the outside wall. After calibrating, give it a day: the reading "
         "settles once the wall plate has warmed up."),
    ),
    Question(
        ("Heat pump keeps short-cycling with {device}", "Compressor starts every {minutes} minutes with {device}",
         "Minimum run time for a heat pump on {device}?"),
        "We switched to an air-source heat pump last month. With {device} the compressor starts and stops every {minutes} "
        "minutes. Is there a minimum run time setting for heat pumps?",
        ("heat-pump", "settings"),
        ("I had the same problem. What fixed it for me: open **Settings → Heating → Advanced**, then set the minimum "
         "on-time to {minutes} minutes. It took effect after the next cycle.",
         "Heat pumps also like a wider switching differential. Under **Heating → Advanced → Differential** I use 0.5 °C "
         "and the cycling stopped. Tell the app it is a heat pump, too; it changes the defaults."),
    ),
    Question(
        ("Can I control two zones with one hub?", "Two zones, one hub: {system} upstairs, radiators downstairs",
         "Do I need a second {device} for another zone?"),
        "Upstairs has {system}, downstairs radiators. Can one hub drive both zones with separate schedules, "
        "or do I need a second {device}?",
        ("zones", "installation"),
        ("Yes, one hub handles up to eight zones. Each zone gets its own schedule under **Zones**. "
         "You only need a second {device} if you want a display in that zone.",
         "I run two zones from one hub. Each zone needs its own relay or valve; the hub cannot split one boiler output "
         "by itself. After that it is just **Zones → Add zone**."),
    ),
    Question(
        ("Geofencing turns heating off while someone is still home", "Away mode starts although my partner is home",
         "Geofencing with {phone}: heating drops when I leave"),
        "Geofencing works for me but when I leave, the heating drops even though my partner is still in the {room}. "
        "Her phone is {phone}. How does Ember decide that nobody is home?",
        ("geofencing", "app"),
        ("Geofencing uses every phone linked to the home. Make sure location access is set to *Always* on {phone}; "
         "otherwise the app only reports when it is open.",
         "Check the home radius as well. Ours was 100 m and her phone jumped outside it whenever it lost GPS indoors; "
         "300 m fixed it."),
    ),
    Question(
        ("Energy report numbers look too high", "Monthly energy report doubles our gas use",
         "Where does the energy report get its figures?"),
        "The monthly report says we used twice as much as last year, but our gas meter disagrees. "
        "Where does the report get its figures from, and can I correct the boiler output?",
        ("energy", "reports"),
        ("The report estimates from run time × boiler output. Enter the real output of your boiler under "
         "**Energy → Appliance** and the numbers line up much better.",
         "The report also counts hot water if the boiler heats it. Turn off **Include hot water** in the report "
         "settings if your meter reading is for heating only."),
    ),
    Question(
        ("App crashes on {phone} when opening history", "History graph closes the app on {phone}",
         "App {version} crashes on the history screen"),
        "Every time I open the history graph the app closes. Reinstalled twice. App version {version}. "
        "Is there a log I can send?",
        ("app", "bug"),
        ("The app keeps a log under **Settings → Help → Send diagnostics**; send it with the time of the crash. "
         "Clearing the app's cache fixed the history crash for me on {phone}.",
         "Update the app from the store: the history crash was fixed in the latest release, and it has not happened "
         "on {phone} since."),
    ),
    Question(
        ("Best way to pre-heat before I get up?", "{room} should be {temp} °C at 7: how does early start work?",
         "Early start or an earlier schedule for the {room}?"),
        "I want the {room} to be {temp} °C when I get up at 7. Should I set the schedule to 7:00 and rely on early start, "
        "or set it earlier myself? How long does early start look ahead?",
        ("schedules", "comfort"),
        ("Early start looks up to two hours ahead and learns how fast each room warms up. "
         "Set the schedule to the time you want the room warm, not when heating should begin.",
         "Set it to 7:00 and leave early start on. After a week it had learned that my {room} needs about {minutes} "
         "minutes, and it is warm right on time."),
    ),
    Question(
        ("Display goes blank after a few seconds", "Screen on {device} turns off too quickly",
         "Keep the {device} display on longer?"),
        "The screen on my {device} turns off after a few seconds and I have to tap it twice. "
        "Is there a setting to keep it on longer or dim instead of off?",
        ("display", "settings"),
        ("For the display: **Device → Display → Screen off after**. I set it to dim instead of off.",
         "There is also a proximity option: the screen wakes when you walk up to it. **Device → Display → Wake on approach**."),
    ),
    Question(
        ("Frost protection while on holiday", "Away for three weeks: safest setting for {system}?",
         "Holiday mode and frozen pipes"),
        "We are away for three weeks in winter. What's the safest setting to keep the pipes safe without heating the "
        "whole house? Heating is {system}.",
        ("holiday", "settings"),
        ("Holiday mode with frost protection at 7 °C is what I use; the hub still wakes the heating if any room drops "
         "below that.",
         "Give holiday mode an end date, so the house is warm when you get back: it starts heating early enough on the "
         "day you return."),
    ),
    Question(
        ("Battery drain on the radiator valves", "Valve in the {room} eats batteries every two months",
         "How long should valve batteries last? (hub {version})"),
        "The smart radiator valves in the {room} need new batteries every two months. Is that normal? Hub firmware {version}.",
        ("valves", "battery"),
        ("That battery life is short. Usually it means the valve is fighting a stiff pin; press the pin a few times by "
         "hand and recalibrate the valve from the app.",
         "Check the battery type too. Cheap alkaline cells lose voltage fast in the cold; lithium AAs last me a whole season."),
    ),
    Question(
        ("Sharing access with family members", "Let my son control only the {room}?",
         "Limited access for a family member"),
        "How do I give my teenage son control over the {room} only, without letting him change the whole schedule?",
        ("accounts", "app"),
        ("Give him a *guest* role limited to that room: **Home → Members → Invite → Limited access**.",
         "You can also share only the app's *Home* view. He sees the temperatures and can nudge his own room, nothing else."),
    ),
    Question(
        ("Open window detection is too sensitive", "Kitchen valve shuts off for {minutes} minutes when we cook",
         "False open-window alarms in the {room}"),
        "Whenever someone cooks, the valve thinks a window is open and shuts off for {minutes} minutes. "
        "Can I tune the sensitivity?",
        ("valves", "settings"),
        ("Sensitivity lives under **Room → Open window → Sensitivity**. Medium solved the kitchen problem for me.",
         "If tuning does not help, switch open-window detection off for that room only; the other rooms keep it."),
    ),
    Question(
        ("Migrating from another smart thermostat", "Import my old schedule into {device}?",
         "Switching brands: can I keep my schedule?"),
        "I'm replacing a different brand thermostat with {device}. Can I import my schedule, or do I have to set it up "
        "again by hand?",
        ("getting-started",),
        ("There is no importer, but setting up took me ten minutes with the copy-day feature: make Monday, then copy it "
         "to the other weekdays.",
         "If the old thermostat exports a CSV file, the web app can read it under **Schedule → Import**. Mine came over "
         "with only a couple of fixes."),
    ),
    Question(
        ("Hub loses Wi-Fi every night", "Hub drops off Wi-Fi around {hour}", "Hub offline every night until I power-cycle it"),
        "Around {hour} the hub drops off Wi-Fi and only comes back when I power-cycle it. The router is a mesh system. "
        "Any settings I should check?",
        ("wifi", "hub"),
        ("Mesh routers sometimes band-steer the hub to 5 GHz at night. Give the hub a fixed 2.4 GHz network, or reserve "
         "its IP address.",
         "Turn off the router's nightly channel optimisation; that is what dropped my hub at night. A fixed channel, and "
         "no drops since.",
         "Mesh systems are the usual suspect. What I checked, in this order: the hub's signal under **Hub → Network** "
         "(anything below −70 dBm is too weak), the router's log at the time of the drop, and whether the mesh moves "
         "clients between nodes at night. In my case the nearest node rebooted for updates at {hour}; moving the update "
         "window to the afternoon fixed it. Reserving a fixed IP for the hub also makes it come back faster after a drop."),
    ),
    Question(
        ("Using {integration} automations with presence", "Heat the {room} only on home-office days with {integration}?",
         "{integration}: set {temp} °C when my calendar says I work from home"),
        "I'd like {integration} to set the {room} to {temp} °C only when my calendar says I'm working from home. "
        "Has anyone built something like this?",
        ("integrations", "automation"),
        ("I built exactly that with {integration}: a calendar sensor plus a small automation that sets {temp} °C when "
         "the event starts. Happy to share the YAML.",
         "I use a workday sensor instead of the calendar. Simpler, and it knows about public holidays too."),
    ),
]

DISCUSSIONS = [
    Discussion(
        ("Show us your setup: {device} with {system}", "Your setups: {system} and {integration}",
         "Photo thread: where did you mount your {device}?"),
        "Curious how others combined Ember with their heating. Ours: {device} with {system}, valves in every room, "
        "automations in {integration}. What does yours look like?",
        ("showcase",),
        ("{device} in the hallway, valves upstairs, {system} in the basement. Nothing fancy, and it just works.",
         "We went all in: {integration} runs everything, and the {room} has its own schedule for the home-office days.",
         "Mounted mine at eye level on an inside wall, away from the radiator. The readings are much steadier than at "
         "the old spot.",
         "Nice setup! How did you hide the cable for the power adapter?"),
    ),
    Discussion(
        ("How much did you save in your first winter?", "First winter with {device}: your savings?",
         "Energy savings after one year on {system}"),
        "We kept the {room} at {temp} °C and used eco mode at night. The bill went down noticeably. "
        "What were your numbers, and what made the biggest difference?",
        ("energy",),
        ("About 12 % less gas, mostly from not heating empty rooms during the day.",
         "Hard to say with the price changes, but our usage in kWh dropped by a fifth. Eco mode at night did most of it.",
         "The biggest difference for us was the open-window detection. We air the bedrooms every morning."),
    ),
    Discussion(
        ("Tips for new members", "What do you wish you had known on day one?", "Beginner tips for {device} owners"),
        "Collecting the advice that helped me most when I started: set realistic schedules, use early start, "
        "and check the wiring photos before you call an installer. What would you add?",
        ("getting-started",),
        ("Take a photo of the old wiring before you touch it. Saved me twice.",
         "Don't fiddle with the schedule every day; give early start a week to learn your rooms.",
         "Calibrate the sensor against a separate thermometer in the first week."),
    ),
    Discussion(
        ("Firmware {version} first impressions", "What changed for you in {version}?", "{version} is out: feedback thread"),
        "Updated this morning. The new history view is faster and the {room} graph finally shows humidity. "
        "Anything you noticed, good or bad?",
        ("firmware",),
        ("Update went fine here, took about five minutes. The humidity graph is great.",
         "My {integration} link needed a restart after the update, otherwise all good.",
         "The display feels snappier on {device}. Has anyone seen the new eco suggestions yet?"),
    ),
]

FOLLOW_UPS = ("Thanks, that did it!", "Tried this and it works. Marking as solved.",
              "Good tip, I didn't know about that setting.", "Worked for the {room}. Thanks!")
STILL_STUCK = ("Still happening here, even after the steps above.", "Could you share a screenshot of where that option is?")
ME_TOO = ("Same here on {device}. Following.", "Bookmarking this, I have the same question.")

# Staff answers that fit any question (a specific one comes from the question's own answers).
STAFF_NOTES = (
    "Hi! Welcome to the community. The steps above are correct; we have also updated the help article.",
    "We've passed this to the product team. Please add your vote to the idea board if it matters to you.",
)
STAFF_BUG_NOTE = "Thanks for the report. Our team can reproduce this on {version} and a fix is in the next release."

LABS_TOPICS = [
    Discussion(
        ("Labs: adaptive schedules beta, feedback thread", "Labs: adaptive schedules, week {minutes} of the beta",
         "Labs: adaptive schedules in the {room}"),
        "The adaptive schedule beta is on for everyone in labs. It learns when rooms are used and proposes changes. "
        "Tell us what it got right and wrong.",
        ("beta", "labs"),
        ("It suggested heating the {room} later on Wednesdays, which is exactly right.",
         "It missed that we work from home on Fridays. Is there a way to correct a suggestion?",
         "Thanks, all noted. The next build lets you reject a suggestion and explains why it was made."),
    ),
    Discussion(
        ("Labs: new hub firmware {version}, testers wanted", "Labs: {version} test build for {system}",
         "Labs: boot times on {version}"),
        "We need testers with {system}. Please report boot times and any dropped connections here.",
        ("beta", "firmware"),
        ("Installed it. Boot takes about 40 seconds, no dropped connections in two days.",
         "One drop overnight around {hour}, logs sent through the app.",
         "Thanks for testing! The drop is a known router issue and fixed in the next build."),
    ),
]

STAFF_ROOM_TOPICS = [
    Discussion(
        ("Moderation notes for this month",),
        "Spam attempts went up a little; please keep an eye on the new-member queue.",
        ("moderation",),
        ("Noted. I'll check the queue in the mornings.", "Three more spam accounts today, all removed."),
    ),
]


# Replies that fit any discussion; each text appears at most once in a thread.
CHATTER = ("Thanks for starting this thread.", "Great thread, I'm learning a lot here.", "+1 to everything above.")


def slot_values(rng: random.Random) -> dict[str, str]:
    """One random value per slot; a topic keeps its values, so title, question and answers agree."""
    return {name: rng.choice(options) for name, options in SLOTS.items()}


def fill(rng: random.Random, text: str, values: dict[str, str] | None = None) -> str:
    """Fill {slots} with the given values (a topic's), or with fresh random ones."""
    return text.format(**(values or slot_values(rng)))
