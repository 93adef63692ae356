from contactless.platform.i18n import from_accept_language, normalise, translate
from tests.i18n_messages import missing, template_messages


def test_every_message_has_a_chinese_translation() -> None:
    assert template_messages(), "no message ids found in templates"
    assert missing() == []


def test_locales_are_negotiated() -> None:
    assert normalise("en-US") == "en"
    assert normalise("zh_TW") == "zh-CN"
    assert normalise(None) == "zh-CN"
    assert from_accept_language("fr-FR,en;q=0.8") == "en"
    assert translate("zh-CN", "Hello, {name}", name="王") == "王，您好"
    assert translate("en", "Hello, {name}", name="Wang") == "Hello, Wang"
