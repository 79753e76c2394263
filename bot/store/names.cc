#include "bot/store/store.h"

namespace aasr::store {

const char* StateName(ItemState s) {
  switch (s) {
    case ItemState::kPending: return "pending";
    case ItemState::kEscalated: return "escalated";
    case ItemState::kApproved: return "approved";
    case ItemState::kRemoved: return "removed";
  }
  return "pending";
}

std::optional<ItemState> ParseState(const std::string& s) {
  if (s == "pending") return ItemState::kPending;
  if (s == "escalated") return ItemState::kEscalated;
  if (s == "approved") return ItemState::kApproved;
  if (s == "removed") return ItemState::kRemoved;
  return std::nullopt;
}

const char* PriorityName(int p) {
  switch (p) {
    case 0: return "low";
    case 1: return "normal";
    case 2: return "high";
    default: return p < 0 ? "low" : "urgent";
  }
}

std::optional<int> ParsePriority(const std::string& s) {
  if (s == "low") return 0;
  if (s == "normal") return 1;
  if (s == "high") return 2;
  if (s == "urgent") return 3;
  return std::nullopt;
}

}  // namespace aasr::store
