// A module tmc cannot parse: the op does not exist.
func.func @f() {
  %0 = tmc.bogus
}
