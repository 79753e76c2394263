#include "bot/store/ingest.h"

#include "bot/comment/json.h"
#include "bot/moderation/policy.h"

namespace aasr::store {

StoredVerdict FromRules(const rules::Verdict& v) {
  StoredVerdict out;
  out.action = rules::ActionName(v.action);
  out.priority = static_cast<int>(v.priority);
  out.categories = v.categories;
  out.explanation = v.explanation;
  for (const auto& m : v.matches) {
    StoredMatch sm;
    sm.rule_id = m.rule_id;
    sm.category = m.category;
    sm.description = m.description;
    sm.action = rules::ActionName(m.action);
    sm.priority = static_cast<int>(m.priority);
    sm.spans.assign(m.spans.begin(), m.spans.end());
    out.matches.push_back(std::move(sm));
  }
  // Shadow matches are kept as matches whose action is "shadow": rule
  // statistics (and the Rules view) then count them like any hit, with no
  // schema change, while the verdict's own action and categories ignore them.
  for (const auto& m : v.shadow_matches) {
    StoredMatch sm;
    sm.rule_id = m.rule_id;
    sm.category = m.category;
    sm.description = m.description;
    sm.action = kShadowAction;
    sm.priority = static_cast<int>(m.priority);
    sm.spans.assign(m.spans.begin(), m.spans.end());
    out.matches.push_back(std::move(sm));
  }
  return out;
}

rules::Comment ToRulesComment(const NewComment& c) {
  rules::Comment rc;
  rc.text = c.text;
  rc.platform = c.platform;
  rc.author.handle = c.author_handle;
  rc.author.account_age_days = c.author_account_age_days;
  rc.author.followers = c.author_followers;
  rc.author.first_comment = c.author_first_comment;
  rc.author.is_self = c.author_is_self;
  return rc;
}

NewComment FromComment(const comment::Comment& in, const std::string& platform) {
  NewComment c;
  c.platform = in.platform.empty() ? platform : in.platform;
  c.account = in.account;
  c.remote_id = in.remote_id;
  c.parent = in.parent;
  c.root = in.root;
  c.parent_text = in.parent_text;
  c.author_id = in.author.id;
  c.author_handle = in.author.handle;
  c.author_account_age_days = in.author.account_age_days;
  c.author_followers = in.author.followers;
  c.author_first_comment = in.author.first_comment;
  c.author_is_self = in.author.is_self;
  c.text = in.text;
  c.received_ms = in.received_at_ms.value_or(0);
  return c;
}

Result<NewComment> ParseCommentLine(const std::string& line, const std::string& platform,
                                    const std::string& source, int line_number) {
  auto located = [&](Errors errors) {
    for (Error& e : errors) e.where = {source, line_number, 0};
    return errors;
  };
  auto decoded = comment::DecodeLine(line);
  if (!decoded.ok()) return located(decoded.errors());
  for (const Status& s : {comment::RequireText(decoded.value()), comment::RequireId(decoded.value())})
    if (!s.ok()) return located(s.errors());
  NewComment c = FromComment(decoded.value(), platform);
  if (c.platform.empty())
    return located({Error{{}, "platform", "no platform: give --platform or 'platform'"}});
  return c;
}

IngestRequest Screened(const rules::RuleSet& rules, const NewComment& c,
                       const std::optional<platforms::Capabilities>& caps,
                       rules::Verdict* verdict_out) {
  rules::Verdict raw = rules.Screen(ToRulesComment(c));
  StoredVerdict v = FromRules(raw);
  if (verdict_out) *verdict_out = std::move(raw);
  Disposition d = moderation::ForVerdict(v, caps ? *caps : moderation::KnownCapabilities(c.platform));
  return IngestRequest{c, std::move(v), std::move(d)};
}

Result<IngestResult> ScreenAndStore(Store& store, const rules::RuleSet& rules,
                                    const NewComment& c, StoredVerdict* verdict_out,
                                    const std::optional<platforms::Capabilities>& caps) {
  IngestRequest req = Screened(rules, c, caps);
  auto r = store.Ingest(req);
  if (verdict_out) *verdict_out = std::move(req.verdict);
  return r;
}

}  // namespace aasr::store
