// qemu-marker-plugin.c: a QEMU TCG plugin (plugin API version 1, as in Debian 12's qemu-user 7.2)
// that counts executed guest instructions and records the running count every time the guest
// calls `kernel_harness_mark` (cross/harness/main.c). The difference between two marks is the work
// of the code between them, in instructions: repeatable, independent of the host's load.
//
// Optional per-symbol counts and a mnemonic histogram show where the instructions went.
//
//   build: gcc -O2 -shared -fPIC -o libqemu-marker.so bench/qemu-marker-plugin.c
//   run:   qemu-aarch64 -cpu cortex-a76 -plugin ./libqemu-marker.so,symbols=8,hist=dot -d plugin
//              .build-cross/aarch64-a76/kernel-harness bench conv1x1-1024 1
//   args:  symbols=N  print the N symbols that executed the most instructions (0: off, faster)
//          hist=TEXT  per-mnemonic counts inside symbols whose name contains TEXT
//
// Output (to qemu's plugin log, stderr with `-d plugin`):
//   mark <index> <instructions executed so far>
//   total <instructions>
//   symbol <instructions> <name>
//   mnemonic <instructions> <mnemonic>
//
// Only the dynamically linked qemu-aarch64 / qemu-arm (Debian package qemu-user) load plugins.
// Debian ships no qemu-plugin.h; the few declarations used are written out below.
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef uint64_t qemu_plugin_id_t;
typedef struct {
  const char *target_name;
  struct { int min, cur; } version;
  bool system_emulation;
} qemu_info_t;
struct qemu_plugin_tb;
struct qemu_plugin_insn;
enum qemu_plugin_cb_flags { QEMU_PLUGIN_CB_NO_REGS };
enum qemu_plugin_op { QEMU_PLUGIN_INLINE_ADD_U64 };
typedef void (*qemu_plugin_vcpu_udata_cb_t)(unsigned int vcpu_index, void *userdata);

#define EXPORT __attribute__((visibility("default")))
EXPORT int qemu_plugin_version = 1;

extern void qemu_plugin_register_vcpu_tb_trans_cb(qemu_plugin_id_t, void (*)(qemu_plugin_id_t, struct qemu_plugin_tb *));
extern void qemu_plugin_register_vcpu_tb_exec_cb(struct qemu_plugin_tb *, qemu_plugin_vcpu_udata_cb_t,
                                                 enum qemu_plugin_cb_flags, void *);
extern void qemu_plugin_register_vcpu_tb_exec_inline(struct qemu_plugin_tb *, enum qemu_plugin_op, void *, uint64_t);
extern void qemu_plugin_register_vcpu_insn_exec_inline(struct qemu_plugin_insn *, enum qemu_plugin_op, void *, uint64_t);
extern size_t qemu_plugin_tb_n_insns(const struct qemu_plugin_tb *);
extern struct qemu_plugin_insn *qemu_plugin_tb_get_insn(const struct qemu_plugin_tb *, size_t);
extern const char *qemu_plugin_insn_symbol(const struct qemu_plugin_insn *);
extern char *qemu_plugin_insn_disas(const struct qemu_plugin_insn *);
extern void qemu_plugin_register_atexit_cb(qemu_plugin_id_t, void (*)(qemu_plugin_id_t, void *), void *);
extern void qemu_plugin_outs(const char *);

#define MARK_SYMBOL "kernel_harness_mark"
#define MAX_MARKS 1024
#define MAX_NAMES 8192

static uint64_t total;
static uint64_t marks[MAX_MARKS];
static int mark_count;

struct counter { char *name; uint64_t n; };
static struct counter symbols[MAX_NAMES], mnemonics[MAX_NAMES];
static int symbol_count, mnemonic_count;
static int symbols_to_print;
static const char *histogram_filter;

// Translation happens once per block, single-threaded for the guests we run; linear search is fine.
static struct counter *counter_for(struct counter *table, int *count, const char *name) {
  for (int i = 0; i < *count; i++)
    if (strcmp(table[i].name, name) == 0) return &table[i];
  if (*count == MAX_NAMES) return &table[0];
  table[*count].name = strdup(name);
  return &table[(*count)++];
}

static void on_mark(unsigned int vcpu, void *userdata) {
  (void)vcpu; (void)userdata;
  if (mark_count < MAX_MARKS) marks[mark_count++] = total;
}

static void on_translate(qemu_plugin_id_t id, struct qemu_plugin_tb *tb) {
  (void)id;
  size_t n = qemu_plugin_tb_n_insns(tb);
  qemu_plugin_register_vcpu_tb_exec_inline(tb, QEMU_PLUGIN_INLINE_ADD_U64, &total, n);
  const char *first = n ? qemu_plugin_insn_symbol(qemu_plugin_tb_get_insn(tb, 0)) : NULL;
  if (first && strcmp(first, MARK_SYMBOL) == 0)
    qemu_plugin_register_vcpu_tb_exec_cb(tb, on_mark, QEMU_PLUGIN_CB_NO_REGS, NULL);
  if (!symbols_to_print && !histogram_filter) return;
  for (size_t i = 0; i < n; i++) {
    struct qemu_plugin_insn *insn = qemu_plugin_tb_get_insn(tb, i);
    const char *symbol = qemu_plugin_insn_symbol(insn);
    if (!symbol) symbol = "?";
    if (symbols_to_print)
      qemu_plugin_register_vcpu_insn_exec_inline(insn, QEMU_PLUGIN_INLINE_ADD_U64,
                                                 &counter_for(symbols, &symbol_count, symbol)->n, 1);
    if (histogram_filter && strstr(symbol, histogram_filter)) {
      char *text = qemu_plugin_insn_disas(insn);
      char mnemonic[32];
      size_t k = 0;
      while (text[k] && text[k] != ' ' && k < sizeof mnemonic - 1) { mnemonic[k] = text[k]; k++; }
      mnemonic[k] = 0;
      free(text);
      qemu_plugin_register_vcpu_insn_exec_inline(insn, QEMU_PLUGIN_INLINE_ADD_U64,
                                                 &counter_for(mnemonics, &mnemonic_count, mnemonic)->n, 1);
    }
  }
}

static int by_count(const void *a, const void *b) {
  uint64_t x = ((const struct counter *)a)->n, y = ((const struct counter *)b)->n;
  return x < y ? 1 : x > y ? -1 : 0;
}

static void on_guest_exit(qemu_plugin_id_t id, void *userdata) {
  (void)id; (void)userdata;
  char line[512];
  for (int i = 0; i < mark_count; i++) {
    snprintf(line, sizeof line, "mark %d %llu\n", i, (unsigned long long)marks[i]);
    qemu_plugin_outs(line);
  }
  snprintf(line, sizeof line, "total %llu\n", (unsigned long long)total);
  qemu_plugin_outs(line);
  qsort(symbols, symbol_count, sizeof symbols[0], by_count);
  for (int i = 0; i < symbol_count && i < symbols_to_print; i++) {
    snprintf(line, sizeof line, "symbol %llu %s\n", (unsigned long long)symbols[i].n, symbols[i].name);
    qemu_plugin_outs(line);
  }
  qsort(mnemonics, mnemonic_count, sizeof mnemonics[0], by_count);
  for (int i = 0; i < mnemonic_count; i++) {
    snprintf(line, sizeof line, "mnemonic %llu %s\n", (unsigned long long)mnemonics[i].n, mnemonics[i].name);
    qemu_plugin_outs(line);
  }
}

EXPORT int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info, int argc, char **argv) {
  (void)info;
  for (int i = 0; i < argc; i++) {
    if (strncmp(argv[i], "symbols=", 8) == 0) symbols_to_print = atoi(argv[i] + 8);
    else if (strncmp(argv[i], "hist=", 5) == 0) histogram_filter = strdup(argv[i] + 5);
  }
  qemu_plugin_register_vcpu_tb_trans_cb(id, on_translate);
  qemu_plugin_register_atexit_cb(id, on_guest_exit, NULL);
  return 0;
}
