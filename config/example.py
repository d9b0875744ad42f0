# Example site settings. Copy to config/local.py (read automatically) or point LEARNING_CONFIG at
# a file like this one. Environment variables of the same names override what is set here.

# LEARNING_ENV / ENV: "production" refuses to start without its own random keys and the public
# address, and forces secure cookies. Make each key with
#   python -c 'import secrets; print(secrets.token_hex(32))'
# ENV = "production"
# SECRET_KEY = "..."  # signs sessions
# CERTIFICATE_KEY = "..."  # signs certificate codes: a different key, kept once certificates exist
# PUBLIC_URL = "https://learning.example.org"

# PostgreSQL instead of the SQLite file in instance/:
# DATABASE_URL = "postgresql+psycopg://learning:password@db.internal:5432/learning"

TRAINING_BODY_NAME = "广东省清洁生产协会"

# Study-time accounting (shared rules; changing them changes the future, never the past)
STANDARD_HOUR_MINUTES = 45  # one standard hour (标准学时)
HEARTBEAT_INTERVAL_S = 15
MAX_RATE = 1.0  # at most 1.0: playing faster never earns hours faster
SLACK_S = 5
ATTENTION_MIN_MINUTES = 10
ATTENTION_MAX_MINUTES = 20
ATTENTION_TIMEOUT_MINUTES = 5
LATE_BEAT_GRACE_S = 1800
DAILY_CAP_S = 21600  # 8 standard hours of 45 minutes per calendar day
TIMEZONE = "Asia/Shanghai"
