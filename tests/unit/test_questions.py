"""Reading a caller's question: which kind of section answers it, and which words matter."""
import pytest

from webapp.questions import is_question_word, understand


@pytest.mark.parametrize("question, kind", [
    ("how long will I live with a NET", "outlook"),
    ("how long has he got left", "outlook"),
    ("how long will my dad survive", "outlook"),
    ("is it curable", "outlook"),
    ("what are my chances", "outlook"),
    ("what's the life expectancy for a pancreatic NET", "outlook"),
    ("will it come back after the operation", "recurrence"),
    ("how often are the check ups", "recurrence"),
    ("can I still work on lanreotide", "living_with"),
    ("can she still drive", "living_with"),
    ("what should I eat", "living_with"),
    ("does it run in families", "risks"),
    ("what causes carcinoid syndrome", "causes"),
    ("what are the signs of a NET", "symptoms"),
    ("how is it diagnosed", "diagnosis"),
    ("what stage is it", "stages"),
    ("what are the side effects of PRRT", "side_effects"),
    ("will chemo make me sick", "side_effects"),
    ("who can I talk to", "support"),
    ("how is a NEC treated", "treatment"),
    ("what is a NET", "what_is"),
])
def test_lay_phrasings_map_to_the_kind_of_section_that_answers(question, kind):
    assert kind in understand(question).kinds


def test_asking_about_symptoms_is_not_asking_for_a_definition():
    assert understand("what are the symptoms of a NET").kinds == ("symptoms",)


def test_keywords_have_no_intent():
    assert understand("pancreatic NET lanreotide").kinds == ()


def test_the_way_of_asking_is_dropped_and_the_subject_kept():
    question = understand("how long can you live with a pancreatic NET?")
    assert "live" not in question.content.split()
    assert "pancreatic NET" in question.content
    assert "survival" in question.intent_words


def test_scaffolding_is_dropped():
    content = understand("Can you tell me if I was wondering about flushing").content
    assert content.split() == ["flushing"]


@pytest.mark.parametrize("word, framing", [
    ("what", True), ("Mum's", True), ("they've", True), ("really", True),
    ("flushing", False), ("NET", False), ("lanreotide", False),
])
def test_question_words_are_told_from_content_words(word, framing):
    assert is_question_word(word) is framing


def test_how_long_something_lasts_is_not_a_question_about_survival():
    question = understand("how long does the diarrhoea last")
    assert "outlook" not in question.kinds
    assert "diarrhoea" in question.content


@pytest.mark.parametrize("question, kinds", [
    ("is it genetically passed down", {"risks", "causes"}),
    ("does it run in families", {"risks", "causes"}),
    ("what are the chances our child has sickle cell disease", {"risks", "causes"}),
    ("how did I catch hepatitis C", {"causes"}),
    ("what brought it on", {"causes"}),
    ("is there anything I can do to stop them coming back", {"prevention"}),
    ("how can I lower my risk of bowel cancer", {"prevention"}),
    ("what is in lanreotide, does it contain gelatine", {"treatment"}),
    ("how many people get it", {"frequency"}),
    ("is it rare", {"frequency"}),
    ("should the rest of us be tested", {"diagnosis"}),
    ("how would they test for it", {"diagnosis"}),
])
def test_lay_phrasings_of_inheritance_causes_prevention_contents_and_frequency(question, kinds):
    assert kinds <= set(understand(question).kinds)


def test_the_chance_that_a_child_gets_it_is_not_a_question_about_survival():
    assert "outlook" not in understand("what are the chances my kids will get it").kinds
    assert "outlook" in understand("what are the chances of surviving it").kinds


def test_results_that_come_back_are_not_a_recurrence():
    assert "recurrence" not in understand("my blood test came back positive for hepatitis C").kinds
    assert "recurrence" in understand("will the cancer come back after surgery").kinds


def test_the_chance_of_having_it_or_passing_it_to_children_is_a_question_about_risk():
    kinds = understand("what are the chances I've got it and could my children get it?").kinds
    assert "outlook" not in kinds and "risks" in kinds
