//===- RenamerTest.cpp - the modular renaming rule ------------------------===//

#include "passes/modular/Renamer.h"

#include <gtest/gtest.h>

using tmc::modular::Renamer;

TEST(Renamer, PrefixIsChildMinusSharedSuffix) {
  auto renamer = Renamer::fromClassNames("GlmAttention", "LlamaAttention");
  ASSERT_TRUE(renamer);
  EXPECT_EQ(renamer->from(), "Llama");
  EXPECT_EQ(renamer->to(), "Glm");
}

TEST(Renamer, SharedSuffixStartsAtAWord) {
  // "GemmaMLP" and "LlamaMLP" share "maMLP" letter by letter; the word is "MLP".
  auto renamer = Renamer::fromClassNames("GemmaMLP", "LlamaMLP");
  ASSERT_TRUE(renamer);
  EXPECT_EQ(renamer->from(), "Llama");
  EXPECT_EQ(renamer->to(), "Gemma");
  auto qwen = Renamer::fromClassNames("Qwen2RMSNorm", "LlamaRMSNorm");
  ASSERT_TRUE(qwen);
  EXPECT_EQ(qwen->to(), "Qwen2");
}

TEST(Renamer, NoPrefixIsNoRenamer) {
  EXPECT_FALSE(Renamer::fromClassNames("LlamaMLP", "LlamaMLP"));
  EXPECT_FALSE(Renamer::fromClassNames("MLP", "LlamaMLP"));
}

TEST(Renamer, CaseVariants) {
  Renamer renamer("Llama", "Glm");
  EXPECT_EQ(renamer.rename("LlamaDecoderLayer"), "GlmDecoderLayer");
  EXPECT_EQ(renamer.rename("modeling_llama"), "modeling_glm");
  EXPECT_EQ(renamer.rename("LLAMA_INPUTS"), "GLM_INPUTS");
  EXPECT_EQ(renamer.rename("llama"), "glm");
  EXPECT_EQ(renamer.rename("Llama and llama, LLAMA."), "Glm and glm, GLM.");
}

TEST(Renamer, NoMatchAfterLowercaseOrDigit) {
  Renamer renamer("Llama", "Glm");
  EXPECT_EQ(renamer.rename("CodeLlama"), "CodeLlama");
  EXPECT_EQ(renamer.rename("codellama"), "codellama");
  EXPECT_EQ(renamer.rename("2llama"), "2llama");
  EXPECT_EQ(renamer.rename("TinyLLAMA"), "TinyLLAMA");
  // An uppercase letter or punctuation before the match is no obstacle.
  EXPECT_EQ(renamer.rename("XLlama"), "XGlm");
  EXPECT_EQ(renamer.rename("_llama.Llama"), "_glm.Glm");
}
