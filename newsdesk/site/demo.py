"""Demo content: original stories written for Newsdesk about a fictional river town, Larkford.

Every name, place and quotation here is invented; the pictures are drawn when the demo loads
(demo_pictures.py). One story carries what a body can hold besides text: a picture, a table, a
long quotation, a long address and a video embed, so a newcomer sees how the theme shows them.
`demo_load()` is idempotent: stories are found again by their News ID, authors by their slug,
so loading twice changes nothing.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from newsdesk.articles.models import Article, Author, Section, make_slug
from newsdesk.articles.services import keywords_get_or_create
from newsdesk.comments.models import Comment
from newsdesk.comments.privacy import comment_email_fields
from newsdesk.search.services import RELATED_ID_WINDOW, related_rebuild

from .demo_pictures import draw_picture, draw_portrait, picture_create

SECTIONS = [
    (
        "Local",
        "Larkford and the Wend valley: councils, schools, roads and the people who run them.",
    ),
    ("Business", "Shops, workshops, jobs and the money that moves through the valley."),
    ("Environment", "The river, the weather, the hills and what we do to them."),
    ("Culture", "Music, books, theatre, food and the festivals that fill the calendar."),
    ("Sport", "Results and stories from the valley's clubs and courts."),
    ("Science", "Research, health and technology close to home."),
]

AUTHORS = {
    "Mara Ellison": "Local government and the town's streets, bridges and buses. Ten years at "
    "the Larkford town hall press bench.",
    "Tomasz Reyne": "Council meetings by night, Larkford Rovers by day. Writes the Saturday "
    "market column.",
    "Priya Okafor": "Business and health: the valley's employers, its clinic and the money "
    "between them.",
    "Hollis Grant": "The Wend, the weather and the wildlife. Keeps a rain gauge in the garden.",
    "Ines Vantaggio": "Music, books, food and the festivals that fill the valley's calendar.",
}

# News IDs of the demo stories; imported and new articles number themselves around them.
FIRST_NEWS_ID = 1001


@dataclass(frozen=True)
class DemoStory:
    headline: str
    section: str
    summary: str
    body: list[str]  # paragraphs; a line starting with "## " is a sub-heading
    keywords: list[str]
    authors: list[str]
    credits: str = ""
    top: bool = False
    hours_ago: int = 0
    comments: list[tuple[str, str]] = field(default_factory=list)  # (name, text), approved
    picture: str = ""  # a drawing in demo_pictures.DRAWINGS, shown as the lead picture
    picture_alt: str = ""
    picture_caption: str = ""
    # (drawing, alt, caption) of a picture inside the body, put where "[[figure]]" stands
    body_picture: tuple[str, str, str] | None = None


STORIES = [
    DemoStory(
        headline="Larkford opens its rebuilt footbridge after two years of detours",
        section="Local",
        summary="The Mill Lane crossing is back, wider and lit, and cyclists are allowed on it.",
        body=[
            "The footbridge over the Wend at Mill Lane reopened on Saturday morning, two years "
            "after a winter flood left its timber deck split and the council closed it as unsafe.",
            "About two hundred people walked across in the first hour. Some had brought flasks of "
            "tea; a brass band from the secondary school played on the east bank.",
            "The new deck is a metre wider than the old one and is lit at night by lamps set into "
            "the handrail. For the first time, cyclists may ride across, provided they give way to "
            "people on foot.",
            "[[figure]]",
            "## What it cost",
            "The rebuild came to 1.4 million, of which the regional transport fund paid two "
            "thirds. The council's share came from a reserve set aside for flood repairs.",
            "<table><caption>The Mill Lane footbridge: where the money went</caption>"
            '<thead><tr><th scope="col">Work</th><th scope="col">Cost</th>'
            '<th scope="col">Paid by</th><th scope="col">Finished</th></tr></thead><tbody>'
            "<tr><td>Piers and foundations, set two metres deeper</td><td>610,000</td>"
            "<td>Regional transport fund</td><td>March</td></tr>"
            "<tr><td>Steel span and oak deck</td><td>520,000</td>"
            "<td>Regional transport fund and council</td><td>August</td></tr>"
            "<tr><td>Lamps in the handrail</td><td>95,000</td><td>Council flood reserve</td>"
            "<td>September</td></tr>"
            "<tr><td>Ramps, paths and the temporary ferry</td><td>175,000</td>"
            "<td>Council flood reserve</td><td>October</td></tr>"
            '</tbody><tfoot><tr><th scope="row">Total</th><td>1,400,000</td><td></td><td></td>'
            "</tr></tfoot></table>",
            "<blockquote><p>It took longer than anyone wanted, and I know what the detour cost "
            "the people of Eastbank: twenty minutes each way to the station, every day, for two "
            "winters. We could have patched the old deck in a month. We chose to dig the piers "
            "two metres deeper instead, because the water of 2023 will come again, and the next "
            "bridge has to still be standing when it does.</p><p>This one is built to sit out "
            "that kind of water, and to be lit all night for the people who cross it after a "
            "late shift.</p></blockquote>",
            "So said councillor Ruth Abernethy, who chairs the roads committee, before cutting "
            "the ribbon.",
            "The engineers' report, with the flood modelling behind the new height of the deck, "
            "is published in full at "
            "https://larkford.example/council/roads-committee/reports/2024/mill-lane-footbridge-"
            "reconstruction-final-report-with-flood-modelling-appendices.pdf",
            "## Watch the opening",
            '<p><a href="https://www.youtube.com/watch?v=LarkfordBr1">The first crossing of the '
            "rebuilt footbridge, filmed by the secondary school's media club</a></p>",
        ],
        keywords=["Mill Lane", "Wend river", "Larkford council", "cycling"],
        authors=["Mara Ellison"],
        top=True,
        hours_ago=2,
        picture="footbridge",
        picture_alt=(
            "Illustration: the arched footbridge over the river at dusk, its handrail lamps lit"
        ),
        picture_caption="The rebuilt Mill Lane footbridge, lit from its handrail.",
        body_picture=(
            "flood_map",
            "Illustration: a plan of the river with the flood line of 2023 drawn wider than the "
            "river, and the new deck crossing both",
            "The new deck crosses the whole width the Wend reached in 2023.",
        ),
        comments=[
            ("Jo from Eastbank", "Walked the dog over it this morning. The lights are lovely."),
            ("Sam P.", "Good news, but the ramp on the west side is still very steep for buggies."),
        ],
    ),
    DemoStory(
        headline="Council votes to keep Saturday market in the square",
        section="Local",
        summary="A plan to move the stalls to the old bus depot was dropped after a petition.",
        body=[
            "Larkford's Saturday market will stay in Corn Square, the town council decided on "
            "Tuesday night, ending a year of argument over where its forty stalls should stand.",
            "A proposal to move the market to the former bus depot on Station Road, where there is "
            "parking for two hundred cars, was withdrawn after a petition against it gathered more "
            "than three thousand signatures.",
            "Traders had warned that the depot was too far from the shops on the high street, "
            "which say their busiest hours are on market days.",
            "The council will instead close two lanes of Corn Street to traffic from seven until "
            "three on Saturdays, so that delivery vans can unload without blocking the bus stop.",
        ],
        keywords=["Corn Square", "Larkford council", "markets"],
        authors=["Tomasz Reyne"],
        hours_ago=9,
        picture="market",
        picture_alt="Illustration: four market stalls with striped awnings on a paved square",
        picture_caption="Corn Square on a Saturday morning.",
        comments=[("Market regular", "Common sense wins for once.")],
    ),
    DemoStory(
        headline="Valley bakery doubles its ovens as rye bread sells out by noon",
        section="Business",
        summary="Hestle & Daughters will hire six bakers and open at five in the morning.",
        body=[
            "Hestle & Daughters, the bakery on Tanner's Row that has sold out of its dark rye "
            "before lunchtime every day since the spring, is installing two more ovens and will "
            "take on six bakers.",
            "Owner Annika Hestle said the loaf, made with a starter her grandmother kept going for "
            "forty years, was never meant to be the shop's best seller.",
            '"People started buying three at a time and freezing them," she said. "We could not '
            'keep up with one oven."',
            "## Early starts",
            "From next month the shop will open at five, an hour earlier, for shift workers at the "
            "paper mill and the hospital.",
        ],
        keywords=["Hestle & Daughters", "bakeries", "jobs"],
        authors=["Priya Okafor"],
        hours_ago=20,
        picture="bakery",
        picture_alt=(
            "Illustration: dark rye loaves on a wooden table in front of a glowing bread oven"
        ),
        picture_caption="Rye loaves out of the oven at Hestle & Daughters.",
    ),
    DemoStory(
        headline="Otters return to the upper Wend after thirty years",
        section="Environment",
        summary="Camera traps near Fellbrook caught a family of four at night.",
        body=[
            "Otters are breeding on the upper Wend for the first time in three decades, volunteers "
            "from the Wend Valley Rivers Trust said, after camera traps near Fellbrook filmed an "
            "adult female with three cubs.",
            "The trust has spent eight years replanting the banks with willow and alder and "
            "persuading farms upstream to fence cattle away from the water.",
            '"Otters are the proof that the fish are back, and the fish are the proof that the '
            "water is cleaner,\" said the trust's ecologist, Dr Felix Amadi.",
            "The trust asked people not to go looking for the holt, whose place it is keeping "
            "secret, and to keep dogs on a lead along the Fellbrook path until the autumn.",
        ],
        keywords=["otters", "Wend river", "wildlife", "Fellbrook"],
        authors=["Hollis Grant"],
        credits="Wend Valley Rivers Trust",
        top=True,
        hours_ago=30,
        picture="otters",
        picture_alt=(
            "Illustration: an otter and two cubs swimming in a river at night under the moon"
        ),
        picture_caption="An otter family on the upper Wend, as the camera traps saw them.",
        comments=[
            ("Birdwatcher", "Wonderful. Thank you to every volunteer who planted those willows."),
            ("R. Moss", "Saw a trail of prints by the weir last winter and nobody believed me!"),
            ("Fellbrook resident", "Please, everyone, respect the request to stay away."),
        ],
    ),
    DemoStory(
        headline="Heavy rain warning for the valley on Thursday",
        section="Environment",
        summary="Up to 60 mm could fall on the hills; the Wend is expected to rise quickly.",
        body=[
            "Forecasters have issued an amber warning for heavy rain across the Wend valley from "
            "early Thursday until Friday morning, with up to 60 mm expected on high ground.",
            "The river authority said the Wend could rise by more than a metre at Larkford within "
            "hours, and that the riverside car park would be closed from Wednesday evening.",
            "## Sandbags",
            "Sandbags are available from the fire station on Quarry Road for homes on the flood "
            "list. People who need help carrying them can call the council's helpline.",
        ],
        keywords=["weather", "floods", "Wend river"],
        authors=["Hollis Grant"],
        credits="Valley Weather Service",
        hours_ago=40,
        picture="rain",
        picture_alt="Illustration: dark clouds and heavy rain over green hills and a high river",
        picture_caption="Rain is expected to fall hardest on the hills above Larkford.",
    ),
    DemoStory(
        headline="Larkford Rovers reach county cup final with late header",
        section="Sport",
        summary="Centre-back Dele Marsh scored in the 89th minute against Hatherby.",
        body=[
            "Larkford Rovers will play in the county cup final for the first time since 2009 after "
            "a header from Dele Marsh in the 89th minute beat Hatherby Town 2-1 at Brook Meadow.",
            "Hatherby had led from the twelfth minute, and Rovers only drew level after the break "
            "when a low cross from Kit Holloway was turned in by Amir Sato.",
            '"I don\'t score many," said Marsh, a centre-back. "I\'ll remember that one."',
            "The final will be played at the county ground on the last Saturday of the month. "
            "The club says it will run two coaches for supporters.",
        ],
        keywords=["Larkford Rovers", "football", "county cup"],
        authors=["Tomasz Reyne"],
        top=True,
        hours_ago=52,
        picture="football",
        picture_alt="Illustration: a football in the back of the net on a striped pitch",
        picture_caption="The 89th-minute header that took Rovers to the final.",
        comments=[("Rovers since 86", "What a night. Up the Rovers!")],
    ),
    DemoStory(
        headline="Library adds evening hours and a tool-lending shelf",
        section="Local",
        summary="Drills, ladders and sewing machines can now be borrowed with a library card.",
        body=[
            "Larkford Library will stay open until eight on Tuesdays and Thursdays from next week, "
            "and has started lending tools alongside its books.",
            "The shelf, near the children's corner, holds drills, a wallpaper steamer, two "
            "ladders, a sewing machine and a pressure washer, all given by residents or "
            "local firms.",
            "Librarian Odile Brack said the idea came from a reader who asked whether anyone in "
            "town had a tile cutter he could use for a weekend.",
        ],
        keywords=["Larkford Library", "tools", "community"],
        authors=["Mara Ellison"],
        hours_ago=70,
        picture="library",
        picture_alt="Illustration: four shelves of books in many colours",
        picture_caption="The shelves at Larkford Library, now open until eight twice a week.",
    ),
    DemoStory(
        headline="Paper mill to run on steam from its own wood waste",
        section="Business",
        summary="The Greywater mill says the new boiler will cut its gas use by half.",
        body=[
            "Greywater Paper, the valley's largest employer, is building a boiler that will burn "
            "the bark and offcuts the mill now sends away by lorry, and use the steam to dry "
            "paper.",
            "The company says the boiler, due to start next spring, will halve the mill's use of "
            "gas and take about forty lorries a week off the valley road.",
            "## Questions about smoke",
            "Some residents of Upper Greywater have asked for the chimney's emissions to be "
            "published. The company said it would put live readings on its website.",
        ],
        keywords=["Greywater Paper", "energy", "jobs"],
        authors=["Priya Okafor"],
        hours_ago=96,
        picture="mill",
        picture_alt=(
            "Illustration: a brick mill with a sawtooth roof and a chimney letting out steam"
        ),
        picture_caption="The Greywater mill, where the new boiler will stand.",
    ),
    DemoStory(
        headline="Folk festival books its biggest line-up for the tenth year",
        section="Culture",
        summary="Thirty acts over three days, and a new stage in the orchard.",
        body=[
            "The Wend Folk Festival will mark its tenth year in August with thirty acts over three "
            "days, its largest programme so far, and a second stage in the orchard behind the "
            "Corn Exchange.",
            "Tickets for Saturday have already sold out. Organiser Bea Lindqvist said day tickets "
            "for Friday and Sunday remain, with reduced prices for people under eighteen.",
            "The festival began in 2016 as an afternoon of music in a pub garden.",
        ],
        keywords=["Wend Folk Festival", "music", "festivals"],
        authors=["Ines Vantaggio"],
        hours_ago=120,
        picture="festival",
        picture_alt="Illustration: bunting over a stage in an orchard on a summer evening",
        picture_caption="The new orchard stage behind the Corn Exchange.",
    ),
    DemoStory(
        headline="Students build a weather station on the school roof",
        section="Science",
        summary="Readings from Larkford High go online every five minutes.",
        body=[
            "A group of fifteen-year-olds at Larkford High has built a weather station from kit "
            "parts and put it on the roof of the science block, where it measures wind, rain, "
            "temperature and air quality.",
            "Its readings are published online every five minutes, and the valley's flood "
            "volunteers have asked whether they can use the rainfall figures.",
            '"We wanted to know if it really rains more here than in Hatherby," said one of the '
            'students. "It does."',
        ],
        keywords=["Larkford High", "weather", "schools"],
        authors=["Hollis Grant"],
        hours_ago=150,
        picture="weather_station",
        picture_alt=(
            "Illustration: a weather station with a wind gauge and an instrument box on a roof"
        ),
        picture_caption="The students' weather station on the science block roof.",
        comments=[("Proud parent", "Brilliant project, well done all.")],
    ),
    DemoStory(
        headline="Bus route 7 to run every twenty minutes",
        section="Local",
        summary="The link between the station and the hospital gets more buses from June.",
        body=[
            "Route 7, which links Larkford station with the valley hospital, will run every twenty "
            "minutes instead of every half hour from June, the bus company announced.",
            "The change follows a survey in which hospital staff said the last bus, at ten past "
            "ten, left before late shifts ended. A new last bus will leave at half past eleven.",
        ],
        keywords=["buses", "valley hospital", "transport"],
        authors=["Tomasz Reyne"],
        hours_ago=180,
    ),
    DemoStory(
        headline="Clinic trial finds walking groups help with back pain",
        section="Science",
        summary="Patients who walked together twice a week needed fewer appointments.",
        body=[
            "Patients with long-term back pain who joined a walking group twice a week needed "
            "a third fewer appointments over six months than those who did not, a small trial at "
            "the Larkford health centre has found.",
            "The trial followed 120 patients. Doctors at the centre caution that it was not "
            "blinded and that larger studies are needed.",
            "## How to join",
            "The walking groups are open to anyone and meet at the health centre's front door at "
            "ten on Mondays and Thursdays.",
        ],
        keywords=["health", "walking", "valley hospital"],
        authors=["Priya Okafor"],
        credits="Larkford Health Centre",
        hours_ago=220,
    ),
    DemoStory(
        headline="Tennis club's new courts <finally> open, with floodlights",
        section="Sport",
        summary="Three all-weather courts at Brook Meadow, free for juniors on weekday mornings.",
        body=[
            "Larkford Lawn Tennis Club has opened three all-weather courts with floodlights at "
            "Brook Meadow, replacing grass courts that were unplayable for half the year.",
            'The club\'s newsletter headline, "Courts <finally> open & lit", was written by its '
            "youngest member, who is nine.",
            "Juniors can play for free on weekday mornings during the school holidays.",
        ],
        keywords=["tennis", "Brook Meadow"],
        authors=["Ines Vantaggio"],
        hours_ago=260,
        picture="tennis",
        picture_alt="Illustration: a green tennis court under two floodlights at night",
        picture_caption="The floodlit courts at Brook Meadow.",
    ),
    DemoStory(
        headline="Castle ruins reopen to visitors after stonework repairs",
        section="Culture",
        summary="Larkford's medieval gatehouse can be climbed again.",
        body=[
            "Visitors can once again climb the gatehouse of Larkford Castle, which had been fenced "
            "off for eighteen months while masons repaired its upper walls.",
            "The work used stone from the same quarry on Fell Ridge that supplied the castle's "
            "builders, reopened for a few weeks for the purpose.",
            "Entry is free. Guided walks start at the gatehouse at two every Sunday.",
        ],
        keywords=["Larkford Castle", "heritage"],
        authors=["Mara Ellison"],
        hours_ago=300,
        picture="castle",
        picture_alt=(
            "Illustration: a stone castle gatehouse with two towers and a red flag on a green hill"
        ),
        picture_caption="Larkford Castle's gatehouse, open to visitors again.",
        comments=[("History buff", "The view from the top is worth the stairs.")],
    ),
]


@transaction.atomic
def demo_load() -> tuple[int, int]:
    """Load the demo sections, authors, stories and comments. Returns (created, already there)."""
    sections = {}
    for position, (name, description) in enumerate(SECTIONS):
        sections[name], _ = Section.objects.get_or_create(
            slug=make_slug(name),
            defaults={"name": name, "description": description, "position": position},
        )
    authors = {}
    for name, bio in AUTHORS.items():
        slug = make_slug(name)
        authors[name] = Author.objects.filter(slug=slug).first() or Author.objects.create(
            name=name,
            slug=slug,
            bio=bio,
            picture=picture_create(
                name=f"author-{slug}", data=draw_portrait(slug), alt=f"Portrait of {name}"
            ),
        )

    now = timezone.now()
    created_count = 0
    first_created = None
    for number, story in enumerate(STORIES):
        news_id = FIRST_NEWS_ID + number
        if Article.objects.filter(news_id=news_id).exists():
            continue
        figure = ""
        if story.body_picture:
            drawing, alt, caption = story.body_picture
            figure = _figure_html(
                picture_create(name=drawing, data=draw_picture(drawing), alt=alt), caption
            )
        lead = None
        if story.picture:
            lead = picture_create(
                name=story.picture,
                data=draw_picture(story.picture),
                alt=story.picture_alt,
                caption=story.picture_caption,
            )
        article = Article.objects.create(
            news_id=news_id,
            # Written in English, whatever the site's language: its pages say so (lang, dir).
            language="en",
            headline=story.headline,
            summary=story.summary,
            body=_body_html(story.body, figure=figure),
            lead_image=lead,
            status=Article.Status.PUBLISHED,
            published_at=now - timedelta(hours=story.hours_ago, minutes=7 * number),
            section=sections[story.section],
            source_credits=story.credits,
            is_top_story=story.top,
        )
        article.keywords.set(keywords_get_or_create(names=story.keywords))
        article.authors.set([authors[name] for name in story.authors])
        for n, (name, text) in enumerate(story.comments, start=1):
            Comment.objects.create(
                article=article,
                name=name,
                **comment_email_fields(f"reader{news_id}-{n}@example.org"),
                body=text,
                status=Comment.Status.APPROVED,
            )
        created_count += 1
        first_created = first_created or article.pk
    if first_created:
        # Written straight to the tables, not through the publishing services: the related
        # stories their side effects would rank are ranked here, for the new stories and
        # those near enough to list them.
        related_rebuild(from_id=first_created - RELATED_ID_WINDOW)
    return created_count, len(STORIES) - created_count


def _body_html(paragraphs: list[str], *, figure: str = "") -> str:
    # Demo text is text, like imported text: escaped, so "<finally>" shows as written. A block
    # that starts with "<" is markup of ours (a table, a quotation, a link to embed), and is
    # sanitized on save like every body.
    def block(p: str) -> str:
        if p == "[[figure]]":
            return figure
        if p.startswith("<"):
            return p
        if p.startswith("## "):
            return f"<h2>{html.escape(p[3:])}</h2>"
        return f"<p>{html.escape(p)}</p>"

    return "\n".join(block(p) for p in paragraphs)


def _figure_html(image, caption: str) -> str:
    """A picture inside a body as an editor's would be: its renditions, sized for the column."""
    largest = max((r for r in image.renditions if r["format"] == "jpeg"), key=lambda r: r["width"])
    width, height = largest["width"], largest["height"]
    return (
        f'<figure><img src="{html.escape(image.fallback_url)}" '
        f'srcset="{html.escape(image.srcset("jpeg"))}" sizes="(min-width: 48rem) 42rem, 100vw" '
        f'alt="{html.escape(image.alt)}" width="{width}" height="{height}" '
        f'loading="lazy"><figcaption>{html.escape(caption)}</figcaption></figure>'
    )
