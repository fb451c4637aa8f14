"""The second opinion on a page's main text (parsers/combine.py), on blocks and pages written
for the test."""

from newsdesk.ingest.parsers.capture import Block
from newsdesk.ingest.parsers.combine import combine, readability_blocks

STORY = [
    "The council met on Tuesday evening to debate the new budget for the coming year.",
    "Members argued for three hours about the cost of repairing the old river bridge.",
    "A short quote.",
    "In the end the budget passed by seven votes to two, with one member abstaining.",
    "The mayor said work on the bridge would start in the spring, weather permitting.",
]


def p(text):
    return Block("p", text)


def test_a_paragraph_lost_between_shared_paragraphs_is_put_back_in_its_place():
    first = [p(STORY[0]), p(STORY[1]), p(STORY[3]), p(STORY[4])]
    second = [p(t) for t in STORY]
    assert [b.text for b in combine(first, second)] == STORY


def test_nothing_is_added_before_the_first_or_after_the_last_shared_paragraph():
    first = [p(t) for t in STORY]
    second = [p("By Jane Reporter, 3 March"), *first, p("Share this story with a friend today")]
    assert combine(first, second) == first


def test_trafilatura_taking_far_more_than_the_story_gives_way_to_readability():
    story = [p(f"{t} Paragraph {n} of the story goes on a while.") for n, t in enumerate(STORY * 4)]
    comments = [
        p(f"Reader comment number {n} says something unrelated at length, " * 3) for n in range(40)
    ]
    assert combine(story + comments, story) == story


def test_different_stories_keep_trafilaturas_text():
    first = [p(t) for t in STORY]
    second = [p("An entirely different text about the weather and the football results.")]
    assert combine(first, second) == first


def test_readability_blocks_are_text_with_headings_and_without_link_lists():
    page = (
        "<html><head><title>T</title></head><body><div id='main'><article>"
        + "".join(f"<p>{t} {t}</p>" for t in STORY[:2])
        + "<h2>What &lt;b&gt;next</h2>"
        + "<p><a href='/a'>Read more: the bridge, explained in full</a></p>"
        + "".join(f"<p>{t} {t}</p>" for t in STORY[3:])
        + "</article></div><footer><a href='/x'>Privacy</a></footer></body></html>"
    ).encode()
    blocks = readability_blocks(page)
    assert Block("h2", "What <b>next") in blocks  # text, to be escaped like the rest
    assert not any("Read more" in b.text for b in blocks)
    assert [b.kind for b in blocks].count("p") == 4


def test_a_page_readability_cannot_read_gives_no_blocks():
    assert readability_blocks(b"") == []
