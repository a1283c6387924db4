from tests.web.answering.survey_fixtures import people, questionnaire, response, survey_round

__all__ = ["people", "questionnaire", "response", "survey_round"]
