//===- ChatTemplate.cpp - a checkpoint's chat template --------------------===//
//
// Where transformers finds a template and what it renders it with
// (PreTrainedTokenizerBase.from_pretrained and apply_chat_template): a
// chat_template.jinja file wins over tokenizer_config.json's chat_template;
// the special tokens are the named ones (bos_token ... mask_token) of
// tokenizer_config.json, else of the legacy special_tokens_map.json. A GGUF
// file has the template as tokenizer.chat_template and the special tokens
// as ids into tokenizer.ggml.tokens.
//
//===----------------------------------------------------------------------===//

#include "runtime/tokenizer/ChatTemplate.h"

#include "runtime/Error.h"
#include "runtime/Gguf.h"
#include "runtime/tokenizer/Json.h"
#include "runtime/tokenizer/Tokenizer.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

namespace tmc::tok {

namespace {

/// transformers' SPECIAL_TOKENS_ATTRIBUTES, the variables a template sees.
constexpr const char *kSpecialTokenNames[] = {"bos_token", "eos_token", "unk_token", "sep_token",
                                              "pad_token", "cls_token", "mask_token"};

llvm::Expected<std::optional<std::string>> readFile(llvm::StringRef path) {
  if (!llvm::sys::fs::exists(path))
    return std::nullopt;
  auto buffer = llvm::MemoryBuffer::getFile(path, /*IsText=*/false,
                                            /*RequiresNullTerminator=*/false);
  if (!buffer)
    return rt::makeError("cannot read " + path + ": " + buffer.getError().message());
  return (*buffer)->getBuffer().str();
}

/// The named special tokens of a tokenizer_config.json or
/// special_tokens_map.json: each a string or an AddedToken {"content": ...}.
llvm::Error readSpecialTokens(const json &root, const JsonLoc &loc,
                              std::vector<std::pair<std::string, std::string>> &tokens) {
  for (const char *name : kSpecialTokenNames) {
    const json &value = member(root, name);
    if (value.is_null() ||
        llvm::any_of(tokens, [&](const auto &token) { return token.first == name; }))
      continue;
    if (value.is_string()) {
      tokens.push_back({name, value.get<std::string>()});
      continue;
    }
    if (!value.is_object())
      return loc.field(name).error("expected a string or an AddedToken object, got " +
                                   describe(value));
    auto content = readString(value, "content", loc.field(name));
    if (!content)
      return content.takeError();
    tokens.push_back({name, *content});
  }
  return llvm::Error::success();
}

llvm::Expected<ChatTemplate> fromDirectory(llvm::StringRef dir) {
  llvm::SmallString<256> jinjaPath(dir), configPath(dir), mapPath(dir);
  llvm::sys::path::append(jinjaPath, "chat_template.jinja");
  llvm::sys::path::append(configPath, "tokenizer_config.json");
  llvm::sys::path::append(mapPath, "special_tokens_map.json");
  std::vector<std::pair<std::string, std::string>> tokens;
  std::optional<std::string> source;
  std::string name;
  auto jinjaText = readFile(jinjaPath);
  if (!jinjaText)
    return jinjaText.takeError();
  if (*jinjaText) {
    source = std::move(**jinjaText);
    name = jinjaPath.str().str();
  }
  auto configText = readFile(configPath);
  if (!configText)
    return configText.takeError();
  if (*configText) {
    auto config = parseJson(**configText, configPath);
    if (!config)
      return config.takeError();
    JsonLoc loc{configPath.str().str(), ""};
    if (!config->is_object())
      return loc.error("expected a JSON object (a tokenizer_config.json), got " +
                       describe(*config));
    if (llvm::Error error = readSpecialTokens(*config, loc, tokens))
      return std::move(error);
    const json &chat = member(*config, "chat_template");
    JsonLoc chatLoc = loc.field("chat_template");
    if (source || chat.is_null()) {
      // chat_template.jinja, when there is one, replaces this one.
    } else if (chat.is_string()) {
      source = chat.get<std::string>();
      name = configPath.str().str() + ": chat_template";
    } else if (chat.is_array()) {
      std::vector<std::string> names;
      for (size_t i = 0; i < chat.size(); ++i) {
        auto entryName = readString(chat[i], "name", chatLoc.index(i));
        if (!entryName)
          return entryName.takeError();
        names.push_back(*entryName);
        if (*entryName != "default")
          continue;
        auto text = readString(chat[i], "template", chatLoc.index(i));
        if (!text)
          return text.takeError();
        source = std::move(*text);
        name = configPath.str().str() + ": chat_template[" + std::to_string(i) + "].template";
      }
      if (!source)
        return chatLoc.error(
            "no template is named 'default' (the names are: " + llvm::join(names, ", ") + ")");
    } else {
      return chatLoc.error("expected a string or a list of {name, template}, got " +
                           describe(chat));
    }
  }
  if (!source)
    return rt::makeError(dir + " has no chat template (looked for chat_template.jinja and "
                               "tokenizer_config.json's chat_template)");
  auto mapText = readFile(mapPath);
  if (!mapText)
    return mapText.takeError();
  if (*mapText) {
    auto map = parseJson(**mapText, mapPath);
    if (!map)
      return map.takeError();
    JsonLoc loc{mapPath.str().str(), ""};
    if (!map->is_object())
      return loc.error("expected a JSON object, got " + describe(*map));
    if (llvm::Error error = readSpecialTokens(*map, loc, tokens))
      return std::move(error);
  }
  return ChatTemplate::fromSource(*source, name, std::move(tokens));
}

llvm::Expected<ChatTemplate> fromGgufFile(llvm::StringRef path) {
  auto file = rt::GgufFile::open(path);
  if (!file)
    return file.takeError();
  const rt::GgufValue *chat = (*file)->lookup("tokenizer.chat_template");
  if (!chat)
    return rt::makeError(path + " has no chat template (looked for the metadata key "
                                "tokenizer.chat_template)");
  if (chat->type != rt::GgufValueType::String)
    return rt::makeError(path + ": metadata 'tokenizer.chat_template' must be a string");
  // llama.cpp's names for the special token ids ("seperator" sic).
  static constexpr std::pair<const char *, const char *> kIdKeys[] = {
      {"bos_token", "tokenizer.ggml.bos_token_id"},
      {"eos_token", "tokenizer.ggml.eos_token_id"},
      {"unk_token", "tokenizer.ggml.unknown_token_id"},
      {"sep_token", "tokenizer.ggml.seperator_token_id"},
      {"pad_token", "tokenizer.ggml.padding_token_id"},
      {"cls_token", "tokenizer.ggml.cls_token_id"},
      {"mask_token", "tokenizer.ggml.mask_token_id"}};
  const rt::GgufValue *vocabulary = (*file)->lookup("tokenizer.ggml.tokens");
  std::vector<std::pair<std::string, std::string>> tokens;
  for (auto [name, key] : kIdKeys) {
    const rt::GgufValue *value = (*file)->lookup(key);
    if (!value)
      continue;
    std::optional<int64_t> id = value->asInt();
    if (!id || !vocabulary || vocabulary->type != rt::GgufValueType::Array || *id < 0 ||
        *id >= int64_t(vocabulary->elements.size()) ||
        vocabulary->elements[*id].type != rt::GgufValueType::String)
      return rt::makeError(path + ": metadata '" + key +
                           "' must be the id of a token in tokenizer.ggml.tokens");
    tokens.push_back({name, vocabulary->elements[*id].string});
  }
  return ChatTemplate::fromSource(chat->string, (path + ": tokenizer.chat_template").str(),
                                  std::move(tokens));
}

} // namespace

llvm::Expected<ChatTemplate> ChatTemplate::forCheckpoint(llvm::StringRef path) {
  if (path.ends_with(".gguf"))
    return fromGgufFile(path);
  // A directory holds the files; a .safetensors or tokenizer.json file has
  // them beside it.
  return fromDirectory(checkpointDirectory(path));
}

llvm::Expected<ChatTemplate>
ChatTemplate::fromSource(llvm::StringRef source, llvm::StringRef name,
                         std::vector<std::pair<std::string, std::string>> specialTokens) {
  auto program = jinja::Template::parse(source, name);
  if (!program)
    return program.takeError();
  jinja::Value::Dict variables;
  for (auto &[variable, token] : specialTokens)
    variables.push_back({variable, jinja::Value::of(std::move(token))});
  return ChatTemplate(std::move(*program), std::move(variables));
}

llvm::Expected<std::string> ChatTemplate::render(llvm::ArrayRef<ChatMessage> messages,
                                                 bool addGenerationPrompt) const {
  jinja::Value::List list;
  for (const ChatMessage &message : messages)
    list.push_back(jinja::Value::of(jinja::Value::Dict{
        {"role", jinja::Value::of(message.role)}, {"content", jinja::Value::of(message.content)}}));
  // apply_chat_template's variables: the special tokens, then its own.
  jinja::Value::Dict globals = specialTokens;
  globals.push_back({"messages", jinja::Value::of(std::move(list))});
  globals.push_back({"tools", jinja::Value::none()});
  globals.push_back({"documents", jinja::Value::none()});
  globals.push_back({"add_generation_prompt", jinja::Value::of(addGenerationPrompt)});
  return program.render(globals);
}

llvm::Expected<std::vector<uint32_t>> ChatTemplate::encode(const Tokenizer &tokenizer,
                                                           llvm::ArrayRef<ChatMessage> messages,
                                                           bool addGenerationPrompt) const {
  auto text = render(messages, addGenerationPrompt);
  if (!text)
    return text.takeError();
  return tokenizer.encode(*text, /*addSpecialTokens=*/false);
}

llvm::Expected<std::vector<uint32_t>>
encodeChatPrompt(llvm::StringRef path, const Tokenizer &tokenizer, llvm::StringRef prompt) {
  auto chat = ChatTemplate::forCheckpoint(path);
  if (!chat)
    return chat.takeError();
  return chat->encode(tokenizer, {{"user", prompt.str()}}, /*addGenerationPrompt=*/true);
}

} // namespace tmc::tok
