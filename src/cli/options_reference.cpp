#include "cli/options_reference.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <string_view>

namespace pgexport::cli {

namespace {

struct SharedGroup {
  std::string_view title;
  std::string_view anchor;
  std::string_view introduction;
  const std::vector<OptionSpec>& options;
};

// The groups several commands share, in the order the page describes them. A command takes a
// group when its table holds every option of the group.
std::vector<SharedGroup> shared_groups() {
  return {
      {"Database connection", "database-connection",
       "Every command that connects to PostgreSQL. With `--source` empty, libpq's own "
       "variables (`PGHOST`, `PGPORT`, `PGUSER`, `PGPASSWORD`, `PGSSLMODE`, `PGSSLROOTCERT`, "
       "...) and `~/.pgpass` apply. The password comes from exactly one place: "
       "`--password-file` if given (then `PGPASSWORD` and `~/.pgpass` are not used, and a "
       "password inside `--source` is a usage error), else `--source`, else `PGPASSWORD`, else "
       "`~/.pgpass`.",
       database_options()},
      {"Personal data", "personal-data",
       "`export`, `lambda` and `cdc init` ([security.md](security.md#personal-data)). A pattern "
       "is `schema.table.column`, each part a glob (`*`, `?`) over the name as the catalog "
       "holds it, or a name in double quotes taken literally; a pattern that matches no column "
       "is a usage error (exit 2). The hash key is the content of `--hash-key-file`, or the "
       "environment variable `PGEXPORT_HASH_KEY` (not an option: a key on the command line "
       "could be read by other users of the host); giving both is a usage error. `cdc run` "
       "takes the patterns from the base run's manifest and needs the same key.",
       personal_data_options()},
      {"Replication slot", "replication-slot",
       "The change-capture commands (`cdc init`, `cdc run`, `cdc status`, `cdc drop`).",
       slot_options()},
      {"Destination", "destination",
       "Every command that reads or writes a destination: a directory, or `s3://bucket/prefix` "
       "with the S3 settings ([s3.md](s3.md)).",
       destination_options()},
      {"Logging", "logging", "Every command. Logs go to stderr; results to stdout.",
       logging_options()},
  };
}

bool has_option(const std::vector<OptionSpec>& options, std::string_view name) {
  return std::any_of(options.begin(), options.end(),
                     [&](const OptionSpec& option) { return option.name == name; });
}

std::vector<const SharedGroup*> groups_taken(const std::vector<OptionSpec>& options,
                                             const std::vector<SharedGroup>& groups) {
  std::vector<const SharedGroup*> taken;
  for (const auto& group : groups) {
    if (std::all_of(group.options.begin(), group.options.end(),
                    [&](const OptionSpec& member) { return has_option(options, member.name); })) {
      taken.push_back(&group);
    }
  }
  return taken;
}

std::string group_links(const std::vector<const SharedGroup*>& groups) {
  std::vector<std::string> links;
  for (const auto* group : groups)
    links.push_back(fmt::format("[{}](#{})", group->title, group->anchor));
  return fmt::format("{}", fmt::join(links, ", "));
}

std::string_view type_word(OptionType type) {
  switch (type) {
    case OptionType::integer:
      return "INT";
    case OptionType::size:
      return "SIZE";
    case OptionType::duration:
      return "DURATION";
    case OptionType::choice:
      return "CHOICE";
    case OptionType::flag:
      return "";
    case OptionType::list:
      return "GLOB";
    case OptionType::text:
      break;
  }
  return "TEXT";
}

// A table cell holds one line, and a | would end it.
std::string cell(std::string_view text) {
  std::string escaped;
  for (char c : text) {
    if (c == '|') escaped += '\\';
    escaped += c == '\n' ? ' ' : c;
  }
  return escaped;
}

std::string values_note(const OptionSpec& option) {
  switch (option.type) {
    case OptionType::integer:
      if (option.minimum == 0 && option.maximum == INT64_MAX) return "A whole number, 0 or more.";
      if (option.maximum == INT64_MAX) {
        return fmt::format("A whole number, {} or more.", option.minimum);
      }
      return fmt::format("A whole number from {} to {}.", option.minimum, option.maximum);
    case OptionType::size:
      return fmt::format(
          "A size: bytes, or a number with a unit (KiB, MiB, GiB, TiB; KB, MB, GB, "
          "TB){}.",
          option.minimum > 0
              ? fmt::format("; at least {}", size_text(static_cast<uint64_t>(option.minimum)))
              : std::string());
    case OptionType::duration:
      return "A duration: 0, or a whole number with a unit ms, s, m, h or d (500ms, 90s, 30m, 24h, "
             "7d); milliseconds count exactly for --progress-interval and are rounded up to whole "
             "seconds elsewhere.";
    case OptionType::choice: {
      std::vector<std::string> quoted;
      for (auto choice : option.choices) quoted.push_back(fmt::format("`{}`", choice));
      return fmt::format("One of {}.", fmt::join(quoted, ", "));
    }
    case OptionType::flag:
      return "A flag: given alone on the command line; `true` or `false` in the environment "
             "and the config file.";
    case OptionType::list:
      return "Repeatable; comma-separated in the environment, a list in the config file.";
    case OptionType::text:
      break;
  }
  return "";
}

std::string capitalised(std::string_view text) {
  std::string result(text);
  if (!result.empty() && result[0] >= 'a' && result[0] <= 'z') result[0] += 'A' - 'a';
  return result;
}

std::string options_table(const std::vector<const OptionSpec*>& options) {
  std::string out =
      "| option | environment variable | default | meaning |\n| --- | --- | --- | --- |\n";
  for (const OptionSpec* option : options) {
    std::string flag = fmt::format("`--{}`", option->name);
    if (auto word = type_word(option->type); !word.empty()) flag += fmt::format(" {}", word);
    std::string default_value =
        option->default_value.empty() ? "none" : fmt::format("`{}`", option->default_value);
    std::string meaning = capitalised(option->help) + ".";
    if (auto note = values_note(*option); !note.empty()) meaning += " " + note;
    if (option->secret) meaning += " Secret: never printed in logs or errors.";
    out += fmt::format("| {} | `{}` | {} | {} |\n", flag, environment_name(option->name),
                       cell(default_value), cell(meaning));
  }
  return out;
}

std::string anchor_of(std::string_view path) {
  std::string anchor = "pgexport-";
  for (char c : path) anchor += c == ' ' ? '-' : c;
  return anchor;
}

}  // namespace

std::string render_options_markdown(const std::vector<CommandReference>& commands) {
  const auto groups = shared_groups();
  std::string out =
      "# Configuration\n"
      "\n"
      "<!-- Generated by `pgexport options --markdown` from the options table "
      "(src/cli/options.cpp); do not edit by hand. After changing the table, run\n"
      "     build/pgexport options --markdown > docs/configuration.md\n"
      "     tests/deploy/configuration_doc_test.sh fails while this file differs. -->\n"
      "\n"
      "Every option can be given three ways, and each command's `--help` lists the same:\n"
      "\n"
      "- on the command line: `--jobs 4`, `--s3-fips` (a flag takes no value);\n"
      "- as an environment variable named `PGEXPORT_` and the option in upper case with `_` "
      "for `-`: `PGEXPORT_JOBS=4`, `PGEXPORT_S3_FIPS=true`;\n"
      "- as a key of the file `--config FILE` names (TOML or INI; keys are option names): "
      "`jobs = 4`.\n"
      "\n"
      "When one option is given more than one way, the command line wins over the "
      "environment, and the environment over the config file. A value that does not fit the "
      "option's "
      "type (a size, a duration, a choice, a range) is a usage error (exit 2) naming the "
      "option and its variable, before any work starts.\n"
      "\n"
      "Options of the program itself: `--config FILE`, `--version`, `--help` (also after each "
      "command).\n"
      "\n"
      "| command | what it does | shared groups it takes |\n"
      "| --- | --- | --- |\n";
  for (const auto& command : commands) {
    out +=
        fmt::format("| [`{}`](#{}) | {} | {} |\n", command.path, anchor_of(command.path),
                    cell(command.description), group_links(groups_taken(*command.options, groups)));
  }
  for (const auto& group : groups) {
    out += fmt::format("\n## {}\n\n{}\n\n", group.title, group.introduction);
    std::vector<const OptionSpec*> members;
    for (const auto& option : group.options) members.push_back(&option);
    out += options_table(members);
  }
  for (const auto& command : commands) {
    out += fmt::format("\n## pgexport {}\n\n{}.\n\n", command.path, command.description);
    const auto taken = groups_taken(*command.options, groups);
    if (!taken.empty()) out += fmt::format("Takes the options of: {}.\n\n", group_links(taken));
    // Its own options: those no group it takes holds.
    std::vector<const OptionSpec*> own;
    for (const auto& option : *command.options) {
      if (std::none_of(taken.begin(), taken.end(), [&](const SharedGroup* group) {
            return has_option(group->options, option.name);
          })) {
        own.push_back(&option);
      }
    }
    out += own.empty() ? std::string("No options of its own.\n") : options_table(own);
  }
  return out;
}

}  // namespace pgexport::cli
