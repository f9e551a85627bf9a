/* Test shared object without the entry symbol: the registry must say so. */
__attribute__((visibility("default"))) int not_a_plugin(void);
__attribute__((visibility("default"))) int not_a_plugin(void) { return 42; }
