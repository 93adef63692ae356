"""Technical kernel: database, security, audit, jobs, stores, channels, events, errors, i18n."""
