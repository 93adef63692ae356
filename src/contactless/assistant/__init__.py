"""The assistant (智能客服): understands customers, answers and acts, hands off to agents."""
