# Sourced by scripts/test.sh and its steps in scripts/test.d/ (not run on its own).
#
#   skip "what did not run: why"
#
# prints the reason and, when test.sh runs the step, appends "step: reason" to the file
# named by KEYSPLIT_SKIPS, so that test.sh can list every skip at the end. The step is
# KEYSPLIT_STEP if set, else the running script's name ("30-cross"). Recording a skip
# never changes whether the step passes.
skip() {
  local step="${KEYSPLIT_STEP:-$(basename "$0" .sh)}"
  echo "$step: SKIPPED: $*" >&2
  if [ -n "${KEYSPLIT_SKIPS:-}" ]; then
    printf '%s: %s\n' "$step" "$*" >>"$KEYSPLIT_SKIPS"
  fi
}
