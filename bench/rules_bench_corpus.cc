// Deterministic comment corpus in the voice of AASR's community (parents,
// teachers, self-advocates and advocates talking about restraint and
// seclusion), with a few percent of planted insults, threats, slurs, spam,
// privacy leaks and crisis statements, half of them disguised.
//
// Vocabulary comes from the site's own text (/work/shared/seeds at the time of
// writing), embedded here so the benchmark never reads anything at run time
// except the rules directory.
#include "bench/rules_bench_corpus.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <string_view>
#include <unordered_set>

namespace aasr::bench {
namespace {

using Pool = std::vector<std::string_view>;

// ---------------------------------------------------------------- pools ----

const Pool kChild = {
    "my son", "my daughter", "our son", "our daughter", "my grandson", "my granddaughter",
    "my nephew", "my 7-year-old", "our 10 year old", "my autistic son", "my nonverbal daughter",
    "a boy in my class", "one of my students", "my child", "our kid", "my stepson",
    "my twins", "a first grader at our school", "my neighbor's daughter", "my foster son"};
const Pool kStaff = {
    "the principal", "his teacher", "her aide", "the school resource officer",
    "the behavior specialist", "the district", "the superintendent", "the school board",
    "the special ed director", "the para", "the case manager", "the IEP team",
    "two staff members", "the assistant principal", "the school psychologist", "the crisis team",
    "the BCBA", "the front office"};
const Pool kRestrained = {
    "restrained", "held face down", "put in prone restraint", "secluded",
    "locked in the seclusion room", "put in the calm room", "dragged down the hall",
    "pinned to the floor", "held in a basket hold", "put in a \"safe room\"",
    "isolated for hours", "restrained by three adults", "sent to the naughty room",
    "put in a padded room", "strapped into a chair", "physically escorted out",
    "held in a supine restraint", "kept in a cubicle with no windows"};
const Pool kTimes = {"3 times", "twice", "four times", "12 times", "dozens of times",
                     "every week", "almost daily", "at least 40 times", "once", "six times"};
const Pool kWhen = {"last week", "this year", "in kindergarten", "in 2019", "before winter break",
                    "in third grade", "during state testing", "on his first day", "since September",
                    "last spring", "over the past month", "in middle school", "in 2022-23",
                    "right after lunch", "on a field trip"};
const Pool kWhenFuture = {"next Tuesday", "on Friday", "in two weeks", "tomorrow morning",
                          "after spring break", "on the 14th"};
const Pool kFeeling = {
    "came home terrified", "stopped talking for weeks", "had nightmares for months",
    "refuses to get on the bus now", "was diagnosed with PTSD", "is scared of adults now",
    "started wetting the bed again", "had bruises on both arms", "won't go near the school",
    "cries every morning", "asked me if he was a bad kid", "hides under the table when he hears keys",
    "stopped eating lunch at school", "bit his own hands until they bled", "shut down completely"};
const Pool kPlace = {"the seclusion room", "a closet", "the calm-down room", "a converted storage room",
                     "the \"reset room\"", "the hallway", "the cafeteria", "an empty classroom",
                     "the nurse's office", "the gym", "the bus", "a padded booth"};
const Pool kApproach = {"de-escalation", "trauma-informed practices", "positive behavior supports",
                        "collaborative problem solving", "sensory breaks", "co-regulation",
                        "relationship-driven approaches", "functional communication training",
                        "restorative practices", "crisis prevention", "neuroscience-aligned teaching",
                        "a real behavior intervention plan"};
const Pool kOfficial = {"senator", "representative", "state legislator", "school board member",
                        "governor", "congressperson", "city council member", "state superintendent"};
const Pool kSource = {"the Office for Civil Rights", "the CRDC", "the GAO report", "ProPublica",
                      "the state Department of Education", "our district's own records",
                      "a 2019 federal report", "the National Disability Rights Network",
                      "the federal guidance"};
const Pool kStat = {"80%", "nearly 70 percent", "over 100,000", "1 in 4", "two thirds",
                    "more than half", "101,990", "77%", "almost 9 in 10"};
const Pool kGroup = {"students with disabilities", "Black students", "boys", "kids with IEPs",
                     "autistic kids", "students in self-contained classrooms", "children under 10",
                     "foster youth", "students with Down syndrome"};
const Pool kThanks = {"everything you do", "sharing Max's story", "the sample letters", "this post",
                      "fighting for our kids", "the webinar last night", "the research links",
                      "the graphics", "telling the truth about this", "standing up for kids like mine",
                      "five years of this work"};
const Pool kDiagnosis = {"504 plan", "IEP", "autism diagnosis", "ADHD diagnosis", "seizure disorder",
                         "chromosome disorder", "trauma history", "communication disability"};
const Pool kName = {"José", "Zoë", "Chloé", "Renée", "François", "Ms. Müller", "Björn", "Señora Núñez",
                    "Ágnes", "Łukasz", "Siobhán", "Nguyễn", "Jennifer", "Chantelle", "Christopher"};
// Community words a careless filter trips on (the Scunthorpe family).
const Pool kScunthorpe = {
    "His Functional Behavioral Assessment took four months.",
    "The FBA (assessment) never looked at the sensory triggers.",
    "We moved here from Scunthorpe last year.",
    "They were reading Dickens in class when it happened.",
    "His meds are a cocktail of three drugs the school insisted on.",
    "The mats in that room are covered in flame retardant foam.",
    "Our therapist says the class assessment was rushed.",
    "We live in Sussex County and it's the same here.",
    "Cockburn Elementary just banned seclusion, finally.",
    "The analysis in the GAO report is worth reading.",
    "I passed this along to our Middlesex parent group.",
    "The grasshopper unit was his favorite part of science."};
const Pool kEmoji = {"💔", "🙏", "😡", "❤️", "👏", "😢", "✊", "😭", "🧡", "♿", "💙🙏", "👍🏽"};

const Pool kTemplates = {
    "{child} was {restrained} {times} {when}.",
    "{child} was {restrained} {times} {when} and nobody called us.",
    "{staff} told us it was \"for safety\" but {child} {feeling}.",
    "After being {restrained} in {place}, {child} {feeling}.",
    "We found out from another parent that {child} had been {restrained} {when}.",
    "Restraint and seclusion are not therapy. They are trauma.",
    "Please call your {official} and ask them to support the Keeping All Students Safe Act.",
    "According to {source}, {stat} of students restrained are {group}.",
    "Thank you AASR for {thanks}.",
    "{staff} should get training in {approach}, not more holds.",
    "Our district still used prone restraint {when}. It has to stop.",
    "Has anyone had luck getting {staff} to write a behavior plan that rules out seclusion?",
    "I'm a special education teacher and I have seen {approach} work where restraint failed.",
    "We requested the incident reports {when} and {staff} still hasn't sent them.",
    "Kids like {child} deserve to feel safe at school.",
    "Max Benson was killed by prone restraint. Never again.",
    "{stat} of restraints in our state were used on {group}. Let that sink in.",
    "These seclusion rooms are torture chambers, and calling them calm rooms changes nothing.",
    "Our IEP meeting is {future} and I'm bringing the data.",
    "The school called it a “wellness room.” It’s a locked closet.",
    "Read the bill here: https://www.congress.gov/bill/118th-congress/house-bill/7978",
    "The guidance is on https://www.ed.gov/ if anyone needs it for their meeting.",
    "I respectfully disagree with this post; some staff are doing their best with no support.",
    "We need more funding for aides, smaller classes and real training in {approach}.",
    "{child} has a {diagnosis} and the school knew it.",
    "{name} from our parent group said the same thing happened at her school.",
    "This is abuse, plain and simple, and it happens in schools across the nation.",
    "Children have been hurt and even killed by these practices — we can and must do better.",
    "I was restrained as a kid myself and I still remember the smell of that room.",
    "As a self-advocate I can tell you these \"interventions\" leave scars.",
    "Shared with our SEPTA group.",
    "Honestly, AASR, this post oversimplifies what teachers face every day.",
    "{source} found that {stat} of seclusions were never reported to parents.",
    "Is there a template letter for asking {staff} to stop using {place}?",
    "The hold lasted 45 minutes. Forty-five. For a 9-year-old.",
    "Our state ban on prone restraint passed in 2021 but enforcement is zero.",
    "{staff} said {child} was \"a danger to self or others\" because he threw a pencil.",
    "Who do I report this to when {staff} won't listen?",
    "Adding my voice: end restraint and seclusion in schools now.",
    "Graphics are great, sharing on our page today!"};
const Pool kSpanish = {
    "Mi hijo fue encerrado en un cuarto sin ventanas y nadie nos avisó.",
    "Gracias por compartir esto. Ningún niño debería pasar por esto.",
    "Necesitamos leyes que prohíban la reclusión y la restricción física en las escuelas.",
    "Mi hija tiene autismo y la sujetaron boca abajo en el piso.",
    "¿Alguien sabe cómo pedir los informes de incidentes al distrito?",
    "La maestra dijo que era por seguridad, pero mi niño llegó con moretones.",
    "Compartí la carta modelo con otros padres de la escuela. ¡Gracias!",
    "Esto es abuso y tiene que terminar ya."};
const Pool kOtherScripts = {"Спасибо за вашу работу, это очень важно.", "Ευχαριστώ πολύ για την ενημέρωση.",
                            "Мой сын тоже прошёл через это.", "これは本当に大切な問題です。"};
const Pool kShort = {"Thank you for posting this.", "Sharing.", "So important.", "Same here.",
                     "This has to stop.", "Following.", "We see you."};

// Planted content. Each entry has a plain form and disguised forms; the
// disguises are the ones rules/README.md promises to undo.
struct PlantedText {
  std::string_view plain;
  Pool disguised;
};
const std::vector<PlantedText> kPlanted = {
    {"You are an idiot.", {"You are an 1d10t.", "you are an i.d.i.o.t", "You are an іdіоt.",
                           "you are an iiiidiooot", "You are an ＩＤＩＯＴ.", "You are an id\u200Biot."}},
    {"What a moron.", {"What a m0r0n.", "what a m-o-r-o-n", "What a mмoron.", "What a MOOORON."}},
    {"You stupid loser.", {"You $tup!d l0ser.", "you ѕtuріd loser", "you s t u p i d loser"}},
    {"Shut up, you clown.", {"Shut... UP, you clown.", "sh u t  up you cl0wn"}},
    {"kys", {"k y s", "k.y.s", "K Y S", "Ｋ Ｙ Ｓ"}},
    {"Go kill yourself.", {"Go k!ll y0urs3lf.", "go kiiiill yourseeelf", "go kill\nyour self"}},
    {"I know where you live.", {"I kn0w where y0u live.", "i know   where you l i v e"}},
    {"I hope you die.", {"I h0pe y0u d!e.", "i hope you diiie"}},
    {"What a retarded take.", {"What a r3tarded take.", "what a r e t a r d e d take", "what a rеtarded take"}},
    {"DM me for crypto investment, guaranteed returns 10x bit.ly/3xYz9Q",
     {"DM me for crypt0 investm3nt, guaranteed returns 10x bit.ly/3xYz9Q"}},
    {"Buy followers cheap, 10k for $5, link in bio.", {"B u y followers cheap, 10k for $5, link in bio."}},
    {"Lost your account? Account recovery hacker, message @recoverpro on telegram.",
     {"Lost your account? Acc0unt rec0very hacker, message @recoverpro on telegram."}},
    {"Her cell is 555-201-3344, go ahead and call her.", {"Her cell is 555.201.3344, go ahead and call her."}},
    {"Email the aide at jenny.r.smith@gmail.com and tell her what you think.",
     {"Email the aide at jenny.r.smith@gmail.com and tell her what you think."}},
    {"Honestly I want to die some days.", {"Honestly I w4nt to d!e some days."}},
    {"I can't do this anymore, I want to end my life.", {"I can't do this anymore, I want to 3nd my l!fe."}},
    {"Hot singles near you, xxx onlyfans link in bio.", {"Hot singles near you, x x x 0nlyfans link in bio."}}};

// ------------------------------------------------------------ helpers ----

const Pool* PoolFor(std::string_view name) {
  static const std::vector<std::pair<std::string_view, const Pool*>> kPools = {
      {"child", &kChild},   {"staff", &kStaff},     {"restrained", &kRestrained}, {"times", &kTimes},
      {"when", &kWhen},     {"future", &kWhenFuture}, {"feeling", &kFeeling},     {"place", &kPlace},
      {"approach", &kApproach}, {"official", &kOfficial}, {"source", &kSource},    {"stat", &kStat},
      {"group", &kGroup},   {"thanks", &kThanks},   {"diagnosis", &kDiagnosis},   {"name", &kName}};
  for (const auto& [n, p] : kPools) {
    if (n == name) return p;
  }
  return nullptr;
}

std::string Expand(std::string_view tmpl, Rng& rng) {
  std::string out;
  size_t pos = 0;
  while (pos < tmpl.size()) {
    const size_t open = tmpl.find('{', pos);
    if (open == std::string_view::npos) {
      out.append(tmpl.substr(pos));
      break;
    }
    out.append(tmpl.substr(pos, open - pos));
    const size_t close = tmpl.find('}', open);
    const Pool* pool = PoolFor(tmpl.substr(open + 1, close - open - 1));
    out.append(pool ? rng.Pick(*pool) : std::string_view("?"));
    pos = close + 1;
  }
  if (!out.empty() && out[0] >= 'a' && out[0] <= 'z') out[0] = static_cast<char>(out[0] - 32);
  return out;
}

std::string Sentence(Rng& rng) {
  const uint64_t roll = rng.Below(100);
  if (roll < 6) return std::string(rng.Pick(kScunthorpe));
  if (roll < 9) return std::string(rng.Pick(kSpanish));
  return Expand(rng.Pick(kTemplates), rng);
}

// The sentence that carries a generated word, in one of the disguises the
// normalizer undoes (or plain), and with a suffix/prefix where the rule has a
// wildcard so the wildcard is what matches.
std::string GeneratedHit(Rng& rng, const std::vector<GeneratedWord>& words) {
  const GeneratedWord& g = rng.Pick(words);
  std::string w = g.word;
  if (g.wild_end) w += rng.Chance(0.5) ? "ers" : "ing";
  if (g.wild_start) w = (rng.Chance(0.5) ? "un" : "pre") + w;
  switch (rng.Below(5)) {
    case 0:  // SHOUTED
      for (char& c : w) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      break;
    case 1:  // leetspeak on the first vowel that has a leet form
      for (char& c : w) {
        if (c == 'o' || c == 'e' || c == 'a') {
          c = c == 'o' ? '0' : c == 'e' ? '3' : '4';
          break;
        }
      }
      break;
    default:
      break;
  }
  static const Pool kFrames = {"Stop posting {} here.", "{} is all over this thread now.",
                               "Check out {}!! best deals", "Everyone at {} knows this already.",
                               "Search {} before you comment."};
  const std::string_view frame = rng.Pick(kFrames);
  const size_t at = frame.find("{}");
  std::string out = std::string(frame.substr(0, at)) + w + std::string(frame.substr(at + 2));
  if (!out.empty() && out[0] >= 'a' && out[0] <= 'z') out[0] = static_cast<char>(out[0] - 32);
  return out;
}

bool IsAscii(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; });
}

// Every lowercase ASCII word of the pools, so generated words never collide
// with the community's own vocabulary.
std::unordered_set<std::string> PoolWords() {
  std::unordered_set<std::string> words;
  auto add_all = [&](std::string_view s) {
    std::string w;
    for (const char c : s) {
      if (std::isalpha(static_cast<unsigned char>(c))) {
        w += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      } else if (!w.empty()) {
        words.insert(w);
        w.clear();
      }
    }
    if (!w.empty()) words.insert(w);
  };
  for (const Pool* p : {&kChild, &kStaff, &kRestrained, &kTimes, &kWhen, &kWhenFuture, &kFeeling, &kPlace,
                        &kApproach, &kOfficial, &kSource, &kStat, &kGroup, &kThanks, &kDiagnosis, &kName,
                        &kScunthorpe, &kTemplates, &kSpanish, &kShort}) {
    for (std::string_view s : *p) add_all(s);
  }
  for (const PlantedText& p : kPlanted) {
    add_all(p.plain);
    for (std::string_view s : p.disguised) add_all(s);
  }
  return words;
}

}  // namespace

std::vector<GeneratedWord> GenerateWords(size_t count) {
  static constexpr std::string_view kConsonants = "bcdfghjklmnprstvz";
  static constexpr std::string_view kVowels = "aeiou";
  const std::unordered_set<std::string> taken_by_pools = PoolWords();
  Rng rng(0x2000'AA5Bu);
  std::vector<GeneratedWord> words;
  std::unordered_set<std::string> seen;
  while (words.size() < count) {
    const size_t len = 5 + rng.Below(5);  // 5..9
    std::string w;
    while (w.size() + 2 <= len) {
      w += kConsonants[rng.Below(kConsonants.size())];
      w += kVowels[rng.Below(kVowels.size())];
    }
    if (w.size() < len) w += kConsonants[rng.Below(kConsonants.size())];
    GeneratedWord g;
    g.word = w;
    const uint64_t roll = rng.Below(100);
    g.wild_end = roll < 8;
    g.wild_start = roll >= 8 && roll < 12;
    // Wildcards must not reach into real words either.
    bool collides = taken_by_pools.count(w) > 0 || !seen.insert(w).second;
    if (!collides && (g.wild_end || g.wild_start)) {
      for (const std::string& p : taken_by_pools) {
        if ((g.wild_end && p.rfind(w, 0) == 0) ||
            (g.wild_start && p.size() >= w.size() && p.compare(p.size() - w.size(), w.size(), w) == 0)) {
          collides = true;
          break;
        }
      }
    }
    if (!collides) words.push_back(std::move(g));
  }
  return words;
}

std::string GeneratedRulesYaml(const std::vector<GeneratedWord>& words) {
  static const char* const kCategories[] = {"spam", "harassment", "hate", "sexual", "threat"};
  static const char* const kPriorities[] = {"low", "normal", "normal", "high"};
  std::string y = "# Generated by rules_bench: one made-up word per rule.\nrules:\n";
  char id[32];
  for (size_t i = 0; i < words.size(); ++i) {
    const GeneratedWord& g = words[i];
    std::snprintf(id, sizeof id, "%04zu", i);
    y += "  - id: bench.gen-";
    y += id;
    y += "\n    category: ";
    y += kCategories[i % 5];
    y += "\n    description: Generated benchmark word ";
    y += id;
    y += ".\n    action: ";
    y += (i % 5 == 4) ? "hide" : "review";
    y += "\n    priority: ";
    y += kPriorities[i % 4];
    y += "\n    words: [\"";
    y += (g.wild_start ? "*" : "") + g.word + (g.wild_end ? "*" : "");
    y += "\"]\n";
  }
  return y;
}

Corpus GenerateCorpus(size_t min_bytes, const std::vector<GeneratedWord>& words) {
  Rng rng(0xAA5B'2026'0001u);
  Corpus corpus;
  while (corpus.bytes < min_bytes) {
    CorpusComment c;
    // ~4% planted: 1.5% plain, 1.5% disguised, 1% a generated word.
    const uint64_t roll = rng.Below(1000);
    std::string planted;
    if (roll < 15) {
      c.planted = Planted::kPlain;
      planted = std::string(rng.Pick(kPlanted).plain);
    } else if (roll < 30) {
      c.planted = Planted::kDisguised;
      planted = std::string(rng.Pick(rng.Pick(kPlanted).disguised));
    } else if (roll < 40) {
      c.planted = Planted::kGenerated;
      planted = GeneratedHit(rng, words);
    }
    const size_t target = 100 + rng.Below(301);  // 100..400 bytes
    const size_t reserved = planted.empty() ? 0 : planted.size() + 1;
    std::vector<std::string> parts;
    size_t len = 0;
    for (int misses = 0; len + reserved < target && misses < 20;) {
      std::string s = Sentence(rng);
      if (rng.Chance(0.01)) s = std::string(rng.Pick(kOtherScripts));
      if (rng.Chance(0.06)) {
        s += ' ';
        s += rng.Pick(kEmoji);
      }
      if (len + s.size() + 1 + reserved > 400) {
        ++misses;
        continue;
      }
      len += s.size() + 1;
      parts.push_back(std::move(s));
    }
    while (len + reserved < 100) {  // pad a short comment (only if the picks ran long)
      std::string s(rng.Pick(kShort));
      len += s.size() + 1;
      parts.push_back(std::move(s));
    }
    if (!planted.empty()) {
      parts.insert(parts.begin() + static_cast<std::ptrdiff_t>(rng.Below(parts.size() + 1)), planted);
    }
    for (size_t i = 0; i < parts.size(); ++i) {
      if (i > 0) c.text += rng.Chance(0.1) ? "\n" : " ";
      c.text += parts[i];
    }
    while (c.text.size() < 100) {  // the joins are one byte shorter than counted
      c.text += ' ';
      c.text += rng.Pick(kShort);
    }
    c.planted_text = std::move(planted);
    if (rng.Chance(0.3)) {
      c.has_author = true;
      c.account_age_days = rng.Chance(0.1) ? static_cast<double>(rng.Below(7)) : static_cast<double>(rng.Below(4000));
      c.followers = static_cast<double>(rng.Below(rng.Chance(0.1) ? 5 : 3000));
      c.first_comment = rng.Chance(0.2);
    }
    corpus.bytes += c.text.size();
    if (!IsAscii(c.text)) ++corpus.non_ascii_comments;
    corpus.comments.push_back(std::move(c));
  }
  return corpus;
}

const char* const kStandInRulesYaml = R"YAML(# Stand-in for the shipped Community Standards, used by rules_bench only when
# the shipped rules directory has no rule file or does not load.
lists:
  insults: [idiot, moron*, imbecile, stupid, dumbass, loser, pathetic, clown, cretin, dimwit,
            halfwit, nitwit, scumbag, lowlife, jerk, worthless, useless, "piece of garbage",
            "piece of trash", "waste of space"]
  ableist_slurs: [retard*, spaz, spastic, mongoloid, cripple, "short bus", "window licker", psycho]
  shorteners: [bit.ly, tinyurl.com, t.co, goo.gl, ow.ly, is.gd, cutt.ly]
rules:
  - id: standin.insult
    category: harassment
    description: Name-calling aimed at another person.
    action: review
    any:
      - lists: [insults]
      - phrases: ["shut up", "you {insults}", "you are a {insults}", "you are an {insults}"]
    allow: [assessment, Scunthorpe, Dickens, cocktail, "flame retardant"]
  - id: standin.slur-ableist
    category: hate
    description: Ableist slurs.
    action: hide
    priority: high
    lists: [ableist_slurs]
    allow: ["flame retardant", "fire retardant", retardant]
  - id: standin.threat
    category: threat
    description: Threats and wishes of violence.
    action: hide
    priority: urgent
    any:
      - words: [kys]
      - phrases: ["kill yourself", "kill your self", "i know where you live", "i hope you die",
                  "hope you die", "watch your back", "i will find you", "you deserve to die",
                  "someone should hurt you", "beat you up"]
  - id: standin.crisis
    category: crisis
    description: Self-harm or suicidal statements.
    action: review
    priority: urgent
    any:
      - phrases: ["i want to die", "kill myself", "end my life", "no reason to live",
                  "better off dead", "hurt myself", "cant go on"]
      - words: [suicidal]
  - id: standin.spam
    category: spam
    description: Money schemes, follower selling, account recovery scams.
    action: hide
    any:
      - words: [crypto*, bitcoin, forex, giveaway, airdrop]
      - phrases: ["buy followers", "account recovery", "recover your account", "dm me for",
                  "investment opportunity", "guaranteed returns", "make money fast",
                  "work from home", "link in bio"]
  - id: standin.shortener
    category: spam
    description: Link shorteners from new accounts.
    action: review
    priority: low
    all:
      - links.domains: {in: shorteners}
      - author.account_age_days: "< 30"
  - id: standin.phone
    category: privacy
    description: A phone number.
    action: review
    priority: high
    regex: '\b\d{3}[-. ]\d{3}[-. ]\d{4}\b'
  - id: standin.email
    category: privacy
    description: An e-mail address.
    action: review
    regex: '[a-z0-9._%+-]+@[a-z0-9.-]+\.[a-z]{2,}'
  - id: standin.sexual
    category: sexual
    description: Sexual content and adult spam.
    action: hide
    any:
      - words: [porn*, nude*, xxx, onlyfans, hookup*, "sexting"]
      - phrases: ["hot singles", "send nudes"]
  - id: standin.dehumanizing
    category: hate
    description: Dehumanizing language about disabled people.
    action: hide
    priority: high
    any:
      - words: [subhuman, vermin]
      - phrases: ["should be locked up like animals", "belong in a cage", "put them down"]
)YAML";

}  // namespace aasr::bench
