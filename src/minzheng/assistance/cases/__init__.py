"""The 一门受理协同办理 case workflow: intake, investigation, 初审, 公示, county confirmation, payment start,
re-checks, changes, suspension and termination, with statutory deadlines and maker-checker."""
