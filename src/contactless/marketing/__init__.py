"""Marketing (数字化营销): campaigns, RM call tasks, in-app messages, conversions and uplift."""
