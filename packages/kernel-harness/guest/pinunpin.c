// PinUnpin scenarios in the guest (included by agent.c; see src/specs/pinunpin.ts).
// Returns 1 when `op` is not a PinUnpin op, so run_op tries the next spec.
static int pinunpin_op(const char *op, const struct req *r, struct out *o, char *err, size_t errlen) {
  (void)op, (void)r, (void)o, (void)err, (void)errlen;
  return 1;
}
