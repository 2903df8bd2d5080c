"""A promise is a test (DESIGN decision 15): each sentence of the guide and the notice
that says what the service does — who is told what, who sees what, how long what is
kept, what a link does — is listed here with the test that checks it.

The table fails when a sentence changes (say it again here, and check the test still
proves it) or when its test is renamed or gone. A sweep over every page finds the
sentences that sound like a promise of the service (« reçoit un e-mail », « est
effacée », « est prévenue »…): each must be in the table, or listed as a human
practice the service does not carry out.
"""

from __future__ import annotations

import ast
import re
from functools import cache

import pytest
from support.service import ROOT

# (page under docs/, words of the sentence, the test that proves it)
PROMISES = [
    # Who is told what.
    ("fonctionnement.md", "tous deux reçoivent un e-mail avec le nom, l’adresse, le département "
     "et le site de l’autre", "test_smtp.py::test_introductions_and_reminders_go_through_smtp_and"
     "_the_link_signs_feedback"),
    ("fonctionnement.md", "si un binôme est en cours, il prend fin, votre binôme reçoit un "
     "message neutre", "test_pair_ended.py::test_someone_leaving_tells_the_other_only_even_once"
     "_erased"),
    ("fonctionnement.md", "chaque personne qui reste reçoit un message",
     "test_pair_ended.py::test_a_pair_the_coordination_closes_tells_both_and_cancels_their"
     "_events"),
    ("fonctionnement.md", "chacun reçoit un mot amical avec le lien « Nous nous sommes vus »",
     "test_between_checkpoints.py::test_silence_nudges_then_alerts_each_once"),
    ("fonctionnement.md", "la coordination est prévenue et prend contact",
     "test_between_checkpoints.py::test_silence_nudges_then_alerts_each_once"),
    ("fonctionnement.md", "Un e-mail vous dit ce qui se passe ensuite",
     "test_unmatched_message.py::test_people_long_in_the_pool_hear_once_what_happens_next"),
    ("faq.md", "un e-mail vous dit ce qui se passe ensuite",
     "test_unmatched_message.py::test_people_long_in_the_pool_hear_once_what_happens_next"),
    ("formulaires/refus.md", "Votre binôme reçoit un message neutre",
     "test_pair_ended.py::test_a_declined_introduction_cancels_the_events_of_both"),
    ("formulaires/refus.md", "La coordination est prévenue, avec la raison si vous en donnez une",
     "test_between_checkpoints.py::test_declining_closes_the_pair_and_returns_both_to_the_pool"),
    ("confidentialite.md", "Les personnes déjà inscrites sont prévenues par un message",
     "test_between_checkpoints.py::test_a_new_notice_version_is_announced_once_to_each_enrolled"
     "_person"),
    ("formulaires/bilan.md", "chacun des deux reçoit un e-mail avec un lien personnel vers ce "
     "questionnaire, une seule fois", "test_closing_questionnaire.py::test_closing_a_pair_sends_both_people_the"
     "_questionnaire_once"),
    ("formulaires/bilan.md", "ou avec le rappel du dernier point d’étape si celui-ci arrive avant",
     "test_closing_questionnaire.py::test_the_last_checkpoint_sends_it_and_closing_later_sends_nothing_more"),
    ("formulaires/bilan.md", "Le lien ne fonctionne pas pour un binôme qui n’a pas démarré, ni "
     "après un retrait ou un effacement de vos données", "test_closing_questionnaire.py::test_refused_after"
     "_erasure_and_for_a_declined_pair"),
    ("formulaires/bilan.md", "si vous répondez à nouveau avec le même lien, votre nouvelle "
     "réponse remplace la précédente", "test_closing_questionnaire.py::test_the_link_opens_the_persons_questions"
     "_and_one_answer_is_kept"),
    ("formulaires/bilan.md", "son export pour l’évaluation les donne sans nom ni binôme",
     "test_closing_questionnaire.py::test_the_export_names_signed_answers_only"),
    ("confidentialite.md", "elle n’en voit que le nombre et des moyennes portant sur au moins "
     "trois réponses", "test_closing_questionnaire.py::test_the_dashboard_shows_figures_over_three_answers_only"),
    ("confidentialite.md", "son export pour l’évaluation les donne sans nom, ni binôme, ni jour "
     "de réception", "test_closing_questionnaire.py::test_the_export_names_signed_answers_only"),
    ("confidentialite.md", "un lien personnel vous propose une fois un [bilan]",
     "test_closing_questionnaire.py::test_closing_a_pair_sends_both_people_the_questionnaire_once"),
    ("guides/clore-la-relation.md", "Quand la coordination clôt le binôme, chacun de vous deux "
     "reçoit aussi le lien du [questionnaire de bilan]", "test_closing_questionnaire.py::test_closing_a_pair_sends"
     "_both_people_the_questionnaire_once"),
    # How long what is kept.
    ("fonctionnement.md", "est effacée au bout de", "test_purge.py::test_people_waiting_are_warned"
     "_four_weeks_before_and_can_stay"),
    ("fonctionnement.md", "un e-mail vous prévient quatre semaines avant",
     "test_purge.py::test_the_warning_reaches_the_person_with_their_personal_page"),
    ("confidentialite.md", "<!-- registre: conservation -->",
     "test_guide_content.py::test_the_privacy_notice_names_every_category_the_storage_holds"),
    ("confidentialite.md", "Une inscription dont vous avez limité l’utilisation n’est pas "
     "effacée automatiquement tant que la limitation dure", "test_purge.py::test_a_limited"
     "_enrollment_is_kept_until_the_limitation_is_lifted"),
    ("confidentialite.md", "les effacements demandés depuis seraient refaits",
     "test_purge.py::test_an_erasure_is_made_again_after_restoring_an_older_backup"),
    # Who sees what.
    ("confidentialite.md", "elle ne voit que le mois de réception, jamais le jour",
     "test_anonymous_feedback.py::test_anonymous_answers_are_shown_so_that_nobody_stands_out"),
    ("confidentialite.md", "les personnes mentorées en attente qui peuvent vous avoir pour "
     "binôme voient alors votre prénom", "test_between_checkpoints.py::test_a_waiting_mentee"
     "_ranks_visible_mentors_and_the_matching_weighs_it"),
    ("faq.md", "les mentoré·es en attente qui peuvent vous avoir pour binôme voient votre "
     "prénom", "test_between_checkpoints.py::test_a_waiting_mentee"
     "_ranks_visible_mentors_and_the_matching_weighs_it"),
    ("confidentialite.md", "<!-- programme: domaines_email -->",
     "test_programme_values.py::test_each_marker_says_its_value_the_french_way"),
    # What a link does.
    ("fonctionnement.md", "Si vous l’avez perdu, la fonction « Retrouver mon inscription » "
     "vous renvoie un nouveau lien", "test_participant.py::test_the_link_is_sent_again_to_an"
     "_enrolled_address_only"),
    ("formulaires/refus.md", "Ouverte sans ce lien, elle explique où le trouver et propose "
     "« Retrouver mon inscription » ; un lien modifié ou périmé est refusé",
     "test_form_requirements.py::test_a_pair_page_opened_without_its_link_explains_itself"),
    ("formulaires/rencontre.md", "Ouverte sans ce lien, elle explique où le trouver et propose "
     "« Retrouver mon inscription » ; un lien modifié ou périmé est refusé",
     "test_form_requirements.py::test_a_forged_link_is_still_refused"),
    ("formulaires/inscription.md", "puis « (obligatoire) » dès que le vôtre les rend "
     "nécessaires", "test_form_requirements.py::test_once_a_role_is_chosen_its_questions_read"
     "_obligatoire_and_are_required"),
    ("formulaires/inscription.md", "la liste des erreurs s’affiche avant les questions",
     "test_form_requirements.py::test_a_refused_page_starts_with_its_errors_and_says_so_in_its"
     "_title"),
    ("fonctionnement.md", "les corriger (nouvelles disponibilités",
     "test_participant.py::test_a_correction_is_stored_and_keeps_the_enrollment"),
    ("fonctionnement.md", "effacer vos données",
     "test_erasure.py::test_erasure_leaves_no_byte_of_the_participant"),
    # The selection of mentors.
    ("fonctionnement.md", "<!-- programme: selection -->",
     "test_mentor_selection.py::test_a_mentor_is_proposed_only_once_retained_and_trained"),
    ("fonctionnement.md", "Un mentor que l’échange ne conduit pas à retenir reçoit un message "
     "bienveillant, sans motif, et son inscription est close",
     "test_mentor_selection.py::test_a_mentor_not_retained_is_closed_and_told_kindly"),
    # Goals measured (issue 24).
    ("formulaires/inscription.md", "Ces repères sont facultatifs et ne comptent pas dans "
     "l’appariement", "test_goal_ratings.py::test_the_levels_never_weigh_in_the_matching"),
    ("confidentialite.md", "ils ne comptent pas dans l’appariement",
     "test_goal_ratings.py::test_the_levels_never_weigh_in_the_matching"),
    ("formulaires/retour.md", "Au point d’étape le plus proche de la moitié du parcours, puis "
     "au dernier, le formulaire ouvert par votre lien personnel demande aussi où en est chaque "
     "objectif", "test_goal_ratings.py::test_the_mid_and_final_checkpoints_ask_both_people_about_the_goals"),
    ("formulaires/retour.md", "le mentor pour son binôme, objectif par objectif, dans l’ordre "
     "de l’inscription", "test_goal_ratings.py::test_the_mid_and_final_checkpoints_ask_both_people_about_the_goals"),
    ("formulaires/retour.md", "celles du mentor restent dans son propre retour, auquel la "
     "personne mentorée n’a pas accès", "test_goal_ratings.py::test_each_goal_keeps_its_path_through_a_correction_page_and_download"),
    ("confidentialite.md", "celles du mentor restent dans le retour du mentor, auquel la "
     "personne mentorée n’a pas accès", "test_goal_ratings.py::test_each_goal_keeps_its_path_through_a_correction_page_and_download"),
    ("formulaires/mon-inscription.md", "Corriger la formulation d’un objectif ne lui fait pas "
     "perdre ce chemin", "test_goal_ratings.py::test_each_goal_keeps_its_path_through_a_correction_page_and_download"),
    ("formulaires/mon-inscription.md", "Le fichier « Télécharger mes données » contient les "
     "mêmes notes", "test_goal_ratings.py::test_each_goal_keeps_its_path_through_a_correction_page_and_download"),
    ("formulaires/mon-inscription.md", "vider un objectif n’efface que ses propres notes",
     "test_goal_ratings.py::test_an_emptied_goal_takes_its_ratings_away_and_the_next_one_keeps"
     "_its_own"),
    ("fonctionnement.md", "Corriger la formulation d’un objectif sur votre page ne lui fait "
     "pas perdre ses notes", "test_goal_ratings.py::test_each_goal_keeps_its_path_through_a_correction_page_and_download"),
    # The reporting line, both ways.
    ("fonctionnement.md", "écarte la personne dont vous donnez l’adresse comme responsable "
     "direct·e, que vous soyez mentor ou mentoré·e",
     "test_guide_coherence.py::test_the_matching_never_pairs_a_person_with_their_manager_in"
     "_either_direction"),
    # The agreed pair (issue 25).
    ("formulaires/inscription.md", "Ce ou cette collègue ne reçoit aucun message",
     "test_agreed_pair.py::test_the_field_is_stored_case_folded_and_the_colleague_gets_no_message"),
    ("fonctionnement.md", "La personne nommée ne reçoit aucun message",
     "test_agreed_pair.py::test_the_field_is_stored_case_folded_and_the_colleague_gets_no_message"),
    ("confidentialite.md", "vous réunir en binôme si vous vous nommez l’un·e l’autre ; elle "
     "n’est jamais utilisée pour lui écrire",
     "test_agreed_pair.py::test_the_field_is_stored_case_folded_and_the_colleague_gets_no_message"),
    ("fonctionnement.md", "l’appariement les réunit avant tout autre critère, sauf si une règle "
     "l’interdit", "test_agreed_pair.py::test_a_mutual_wish_outweighs_the_rest_of_a_larger_pool"),
    ("fonctionnement.md", "binôme écarté par la coordination, inscription en pause ou limitée",
     "test_agreed_pair.py::test_an_exclusion_still_wins"),
    ("fonctionnement.md", "La suggestion porte la mention « Binôme convenu entre eux »",
     "test_agreed_pair.py::test_the_worklist_and_the_match_command_mark_the_agreed_pair"),
    ("fonctionnement.md", "Un souhait d’un seul côté ne donne aucun avantage : la coordination "
     "le voit, sans plus", "test_agreed_pair.py::test_a_one_sided_wish_is_only_shown"),
    ("formulaires/inscription.md", "Le binôme n’est retenu que si vous vous nommez l’un·e "
     "l’autre, dans le même parcours", "test_agreed_pair.py::test_a_mutual_wish_across_tracks"
     "_gets_no_bonus"),
    # The coordination's guide, on what the area does.
    ("guide-coordination/appariement.md", "chacune reçoit un e-mail de présentation",
     "test_pairs.py::test_confirming_a_suggestion_stores_it_and_introduces_both_people"),
    ("guide-coordination/appariement.md", "qui ne cite que les raisons favorables",
     "test_worklist.py::test_negative_reasons_are_flagged_and_never_reach_an_email"),
    ("guide-coordination/inscriptions.md", "la personne concernée les voit sur sa page « Mon "
     "inscription »", "test_rights.py::test_the_page_shows_each_category_escaped"),
    ("guide-coordination/suivi.md", "la coordination est prévenue par e-mail",
     "test_between_checkpoints.py::test_silence_nudges_then_alerts_each_once"),
    ("objectifs-et-indicateurs.md", "Tout chiffre qui porte sur moins de trois personnes est "
     "masqué, partout", "test_round_report.py::test_reach_by_site_hides_groups_under_three_and"
     "_one_more_beside_the_total"),
    ("objectifs-et-indicateurs.md", "Les chiffres d’une session sont figés avant que la durée "
     "de conservation n’efface ses premières données", "test_round_report.py::test_purging_old"
     "_records_never_changes_a_past_report"),
    ("guide-coordination/tableau-de-bord.md", "calculés comme sur la page [Bilan](bilan.md)",
     "test_review_page.py::test_the_dashboard_shows_the_latest_round_from_the_same_definitions"),
    ("objectifs-et-indicateurs.md", "il est compté à part", "test_round_report.py::test_pairs"
     "_ended_early_are_counted_apart_with_their_reason"),
]

# Sentences the sweep finds that describe what people do, not what the service does.
HUMAN_PRACTICE = [
    "en cas de danger, de harcèlement ou d’acte illégal, la coordination est prévenue",
    "des binômes qui se voient au rythme prévu",
    "les banques de questions vouvoient",
    "on ne voit plus ce qui a besoin d’aide",
    "Votre mentor ne voit que ce que vous choisissez de lui montrer",
    "La mise en balance",  # lists the safeguards; each has its own line above or below
    "un binôme sans nouvelles reçoit un mot amical",  # contribuer.md: the marker's meaning
    "le silence après lequel la coordination est prévenue",  # contribuer.md: the marker
    "délais en jours :",  # contribuer.md: the programme.yml keys
    "l’attente après laquelle une personne sans binôme",  # contribuer.md: the marker
    "certains binômes se voient sans penser à le noter",
]
SOUNDS_LIKE_A_PROMISE = re.compile(
    r"reçoi(?:t|vent) (?:un|une|le|leur|votre) (?:message|e-mail|mot|lien)|est prévenue?\b|"
    r"sont prévenu|est effacée?s?\b|sont effacé|un e-mail vous|vous prévient|ne voit|voient")


def page(name: str) -> str:
    return (ROOT / "docs" / name).read_text(encoding="utf-8")


@cache
def proofs_in(module: str) -> set[str]:
    tree = ast.parse((ROOT / "tests" / module).read_text(encoding="utf-8"))
    return {node.name for node in ast.walk(tree) if isinstance(node, ast.FunctionDef)}


@pytest.mark.parametrize("name, words, proof", PROMISES,
                         ids=[f"{p[0]}: {p[1][:40]}" for p in PROMISES])
def test_each_promise_is_still_written_and_still_tested(name, words, proof):
    assert words in " ".join(page(name).split()), f"{name} ne dit plus : {words}"
    module, test = proof.split("::")
    assert test in proofs_in(module), f"{proof} n’existe plus"


def test_every_sentence_that_sounds_like_a_promise_is_in_the_table():
    listed = [words for _name, words, _proof in PROMISES] + HUMAN_PRACTICE
    unlisted = []
    for path in sorted((ROOT / "docs").rglob("*.md")):
        text = " ".join(path.read_text(encoding="utf-8").split())
        for sentence in re.split(r"(?<=[.!?])\s|\s\|\s", text):  # sentences, table cells
            if SOUNDS_LIKE_A_PROMISE.search(sentence) and \
                    not any(words in sentence for words in listed):
                unlisted.append(f"{path.relative_to(ROOT)} : {sentence[:140]}")
    assert unlisted == [], "\n".join(unlisted)
