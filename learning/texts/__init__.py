"""Words shown to people, in their language through Babel: the labels of codes (levels, roles,
statuses, kinds) and the messages of refusals. Below both the HTML pages (`learning.web`) and
the JSON API (`learning.api`), which say the same things in the same words."""
