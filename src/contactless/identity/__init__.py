"""Staff users, roles, branches, sessions; customer one-time-code sign-in."""
