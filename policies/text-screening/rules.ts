import type { ViewName } from './normalise';

/**
 * The patterns run on every normalised view of untrusted text. A `strong` rule alone marks an injection; a `weak`
 * rule is a signal that ordinary market text can also produce (a "new EU directive", "sell now!"): two distinct ones
 * make an injection; one of the seed's makes a text suspicious, one of NEMO's is a feature the model weighs.
 */
export interface ScreeningRule {
  id: string;
  /** `seed`: NEMO-DNA "Prompt Injection Defense", verbatim; `nemo`: added here. */
  layer: 'seed' | 'nemo';
  severity: 'strong' | 'weak';
  pattern: RegExp;
  /** The views the rule reads; `letters` (letters only) takes its own squashed patterns. */
  views: readonly ViewName[];
}

const WORDS: readonly ViewName[] = ['canonical', 'folded', 'leet', 'decoded', 'hidden'];
const LETTERS: readonly ViewName[] = ['letters'];
// Other languages keep their own letters, so they are read before look-alikes are folded to Latin.
const NATIVE: readonly ViewName[] = ['canonical', 'decoded', 'hidden'];

const seed = (id: string, source: string, severity: ScreeningRule['severity']): ScreeningRule => ({
  id: `seed:${id}`,
  layer: 'seed',
  severity,
  pattern: new RegExp(source, 'i'),
  views: WORDS,
});

const rule = (id: string, severity: ScreeningRule['severity'], pattern: RegExp, views = WORDS): ScreeningRule => ({
  id,
  layer: 'nemo',
  severity,
  pattern,
  views,
});

// Bounded gaps let an instruction span words, lines and fields without matching across a whole article.
const GAP = '[\\s\\S]{0,40}?';
const re = (source: string, flags = '') => new RegExp(source.replaceAll('GAP', GAP), flags);

const EARLIER = '(?:previous|prior|above|earlier|preceding|foregoing|initial|original|system|all|any|every)';
// What an AI is given (rarely said of anything else), and the wider set that ordinary regulation news also uses.
const AI_RULESET = '(?:instructions?|directives?|prompts?|guardrails|programming|system messages?)';
const RULESET =
  '(?:instructions?|directives?|rules|guidelines|prompts?|guardrails|constraints|programming|system messages?|commands|safeguards)';
// A near-certain value: 1, 1.0, 0.9x, 9x% or 100%, not the start of a larger number ("1 point", "10").
const CERTAIN =
  '(?:\\b1(?:\\.0+)?(?![\\d.]|\\s*(?:points?|percent|million|billion|bp))|0?\\.9\\d*|\\b9\\d(?:\\.\\d+)?\\s*%|\\b100\\s*%|certain|maximum)';
const DROP =
  "(?:ignore|ignoring|disregard|forget|skip|bypass|override|overrule|abandon|neglect|discard|set aside|throw out|stop following|do not follow|don't follow|never mind)";
const AI =
  '(?:ai(?: agents?| models?| systems?)?|a\\.i\\.|assistant|language models?|llms?|chatbots?|gpt|claude|kimi|nemo|(?:trading |automated |autonomous )?(?:bots?|agents?)|(?:automated|ai) (?:readers?|systems?|summari[sz]ers?|crawlers?|scrapers?|parsers?|estimators?|analysts?))';

export const SCREENING_RULES: readonly ScreeningRule[] = [
  // The seed's first layer, exactly as NEMO-DNA lists them (re.IGNORECASE; `.` stops at a line break).
  seed('ignore-previous-instructions', 'ignore.*previous.*instructions', 'strong'),
  seed('you-are-now', 'you are now.*', 'weak'),
  seed('disregard-rules', 'disregard.*rules', 'weak'),
  seed('new-directive', 'new.*directive', 'weak'),
  seed('override-safety', 'override.*safety', 'weak'),

  rule(
    'override-instructions',
    'strong',
    re(
      `\\b${DROP}\\bGAP\\b(?:${EARLIER}\\bGAP\\b${RULESET}|${RULESET}\\s+(?:above|before|given (?:earlier|before|above)|you (?:were|have been) given|you received))`,
    ),
  ),
  rule(
    'instructions-void',
    'strong',
    re(
      `(?:\\b(?:previous|prior|above|earlier|preceding|original|system|old)\\b[\\s\\S]{0,20}?\\b${AI_RULESET}|\\b${AI_RULESET}\\s+(?:above|before))[\\s\\S]{0,30}?\\b(?:(?:are|is|were|have been|has been|had been|should be|must be)\\b[\\s\\S]{0,15}?\\b)?(?:void|null|obsolete|cancell?ed|revoked|superseded|ignored|disregarded|no longer (?:apply|valid|in effect|relevant)|outdated|overridden|replaced|suspended)`,
    ),
  ),
  rule(
    'rules-void',
    'weak',
    re(
      `(?:\\b(?:previous|prior|above|earlier|preceding|original|system|old)\\b[\\s\\S]{0,20}?\\b${RULESET}|\\b${RULESET}\\s+(?:above|before))[\\s\\S]{0,30}?\\b(?:(?:are|is|were|have been|has been|had been|should be|must be)\\b[\\s\\S]{0,15}?\\b)?(?:void|null|obsolete|cancell?ed|revoked|superseded|ignored|disregarded|no longer (?:apply|valid|in effect|relevant)|outdated|overridden|replaced|suspended)`,
    ),
  ),
  rule(
    'role-takeover',
    'strong',
    re(
      `\\b(?:you are|you're|you will be|act|behave|respond|pretend|roleplay|role-play)\\b[\\s\\S]{0,25}?\\b(?:now|from now on|henceforth|no longer|instead|as)\\bGAP\\b(?:assistant|chatbot|gpt|claude|kimi|llm|language model|dan|jailbroken|unrestricted|unfiltered|uncensored|evil|developer mode|without (?:any )?(?:restrictions|limits|rules|filters|guardrails))\\b`,
    ),
  ),
  rule(
    'pretend-no-rules',
    'strong',
    re(
      "\\b(?:pretend|imagine|act as if|suppose)\\b(?: that)? (?:you are|you're|to be)\\b[\\s\\S]{0,30}?\\b(?:ai|assistant|model|bot|chatbot)\\b[\\s\\S]{0,30}?\\b(?:no|without|free of)\\b[\\s\\S]{0,10}?\\b(?:rules|restrictions|limits|filters|guidelines|guardrails)\\b",
    ),
  ),
  rule(
    'new-task',
    'strong',
    /\byour (?:new|real|true|actual|only|updated|primary) (?:task|goal|objective|mission|instructions?|purpose|job|role|directive|orders)\b/,
  ),
  rule(
    'jailbreak',
    'strong',
    /\b(?:jailbreak|jailbroken|dan mode|do anything now|developer mode|god mode|sudo mode|unrestricted mode|admin override|maintenance mode override)\b/,
  ),
  rule(
    'reveal-prompt',
    'strong',
    re(
      '\\b(?:reveal|print|show|display|repeat|output|leak|dump|send|share|tell me|give me|post|paste)\\bGAP\\b(?:system prompt|your (?:instructions|prompt|rules|configuration|guidelines|directives)|initial prompt|hidden prompt|developer message)\\b',
    ),
  ),
  rule(
    'chat-template',
    'strong',
    /<\|?\/?(?:im_start|im_end|system|endoftext|eot_id|start_header_id|end_header_id)\|?>|\[\/?inst\]|<<\/?sys>>/,
  ),
  rule(
    'tool-hijack',
    'strong',
    re(
      '\\b(?:call|invoke|use|trigger|execute|run|emit)\\bGAP\\b(?:tool|function|plugin)\\bGAP(?:\\b|_)(?:report_|estimate|order|transfer|withdraw|buy|sell|send)|\\b(?:tool_use|function_call|tool_calls)\\b\\s*["\']?\\s*[:=]',
    ),
  ),
  rule(
    'move-funds-command',
    'strong',
    re(
      "(?:^|[.!:;]\\s*|\\n)(?:please |now |immediately |urgently )?(?:withdraw|transfer|send|wire|move)\\b[\\s\\S]{0,60}?\\b(?:to|into) (?:this|my|the following|our|the attacker's) (?:address|wallet|account)",
      'm',
    ),
  ),
  rule(
    'addressed-injection',
    'strong',
    re(
      `\\b(?:if you are|if you're|attention|note to|message (?:for|to)|dear|hey|hello|calling all|to (?:all|any|every|the))\\b\\s*(?:an? |the |any )?${AI}\\b[\\s\\S]{0,80}?\\b(?:ignore|disregard|override|must|instead|always|never)\\b`,
    ),
  ),

  rule(
    'addressed-to-ai',
    'weak',
    re(
      `\\b(?:if you are|if you're|attention|note to|message (?:for|to)|dear|hey|calling all|(?:to|for) (?:all|any|every)|as (?:the|an?))\\b\\s*(?:an? |the |any )?(?:${AI}|analyst|estimator)\\b|(?:^|[.!?:]\\s*|\\n)(?:hey |hi |ok |okay )?(?:nemo|claude|kimi|assistant|ai)\\s*[,:]|\\b(?:whoever|anyone who|those who|analysts?|readers?|models?|systems?) (?:reads?|reading|evaluates?|evaluating|process(?:es|ing)?|parsing|summari[sz](?:es|ing))\\s+this\\b|\\bwhen you (?:summari[sz]e|read|process|analy[sz]e|evaluate) this\\b`,
      'm',
    ),
  ),
  rule(
    'instructs-the-ai',
    'weak',
    /\b(?:the|this|you,?) (?:analyst|estimator|model|assistant|ai|agent|bot)s? (?:must|shall|is required to|is instructed to)\b/,
  ),
  rule(
    'your-instructions',
    'weak',
    /\byour (?:(?:earlier|previous|prior|original|initial|system|hidden|current) )?(?:instructions|system prompt|programming|guardrails)\b|\b(?:instructions|rules) you (?:have )?(?:received|were given|have been given)\b/,
  ),
  rule(
    'claims-authority',
    'weak',
    /\b(?:i am|i'm|this is) (?:the|your) (?:operator|developer|admin|administrator|owner|creator)\b|\b(?:operator|admin|compliance|security) (?:notice|message|override|verification)\b|\bnemo\b/,
  ),
  rule(
    'supersedes',
    'weak',
    /\b(?:supersedes|overrides|replaces|takes precedence over)\b[\s\S]{0,30}?\b(?:instructions|guidelines|prompts?|sources)\b|\b(?:weigh|prioriti[sz]e|trust)\b[\s\S]{0,20}?\b(?:this|these) (?:document|post|text|source|message)s?\b[\s\S]{0,30}?\b(?:above|over|more than)\b/,
  ),
  rule(
    'max-confidence',
    'weak',
    /\b(?:maximum|highest|max|full|total|absolute|100%) (?:probability|confidence|certainty)\b|\bthe only (?:reasonable|correct|acceptable|valid|right) (?:estimate|answer|output|probability|response)\b/,
  ),
  rule('into-output', 'weak', /\bin (?:the|your) rationale\b|\bin your (?:answer|response|output|reply|next answer)\b/),
  rule(
    'ignore-limits',
    'weak',
    /(?<!\b(?:not|never|n't|don't)\s+)\b(?:ignore|disregard|bypass|override)\s+(?:the |your |all |any )?(?:fee|risk|safety|position|trading|exposure)\s+(?:rules|limits?|checks|caps)\b/,
  ),
  rule(
    'set-output',
    'weak',
    re(
      `\\b(?:set|output|report|return|assign|answer|respond with|rate(?!-)|give|put)\\bGAP\\b(?:probability|confidence|estimate|likelihood|odds|chance)\\b[\\s\\S]{0,20}?${CERTAIN}|\\b(?:rate|price|value|estimate|score)\\b[\\s\\S]{0,30}?\\bat ${CERTAIN}|\\b(?:answer(?:ing)?|report(?:ing)?|output(?:ting)?|say(?:ing)?|respond(?:ing)? with)\\s+(?:a )?(?:probability (?:of )?)?(?:1\\.0+|0?\\.9\\d+|100\\s*%)`,
    ),
  ),
  rule(
    'your-output-must',
    'weak',
    /\byour (?:answer|output|response|estimate|probability|rating|verdict|analysis)\b[\s\S]{0,30}?\b(?:must|should always|has to|needs to|will be)\b/,
  ),
  rule(
    'urgent-trade',
    'weak',
    re(
      '\\b(?:buy|sell|short|place|execute|submit|open|max out)\\bGAP\\b(?:immediately|right away|at any price|with (?:all|every|your entire|max(?:imum)?)|all (?:your|available|of your)|maximum (?:size|position)|max position|entire (?:balance|portfolio|bankroll))\\b',
    ),
  ),
  rule(
    'disable-safety',
    'weak',
    /\b(?:disable|turn off|deactivate|bypass|circumvent|skip|switch off)\s+(?:your |the |all |any )?(?:safety|guardrails?|filters?|content polic(?:y|ies)|risk (?:checks?|limits?)|validation|safeguards|position limits?)\b|\b(?:guardrails|safety (?:filters?|checks|rules)|content filters?)\s+(?:are|is|have been|has been)\s+(?:now )?(?:turned off|disabled|off|lifted|removed|suspended|deactivated)\b/,
  ),
  // "Never share your seed phrase" is common safety advice, so a negated verb does not count.
  rule(
    'exfiltrate-secret',
    'weak',
    re(
      "(?<!\\b(?:never|not|don't|dont|n't)\\s+)\\b(?:reveal|print|send|share|post|paste|email|dm|give|include|reply with|provide|output|submit|enter)\\bGAP\\b(?:api[ _-]?keys?|secret keys?|private keys?|seed phrases?|mnemonic|credentials|passwords?|access tokens?|env(?:ironment)? variables|\\.env|(?:anthropic|kimi|kalshi|coinbase|openai) (?:api )?key)\\b",
    ),
  ),
  // A status feed's "System: all services operational" is ordinary; a role line that then addresses the reader is not.
  rule(
    'role-line',
    'weak',
    /(?:^|\n|\.\s)\s*(?:system|assistant|developer|admin)\s*(?:prompt|message|instructions?|override|note)?\s*:[\s\S]{0,40}?\b(?:you|your|ignore|must|always|never|respond|answer|output|the analyst)\b/,
  ),
  rule(
    'block-escape',
    'weak',
    /<\/?\s*(?:untrusted|external|document|instructions?|system|admin)[-_ a-z]*>|\b(?:end of (?:document|data|untrusted)|begin (?:new )?(?:instructions|system))\b/,
  ),
  // "new directive" is the seed's own weak rule; this one adds the phrasings it misses, without counting it twice.
  rule(
    'new-instructions',
    'weak',
    /\b(?:new|updated|revised|real|hidden|secret|priority|emergency|override) (?:instructions?|system prompt)\b/,
  ),
  rule(
    'decode-and-follow',
    'weak',
    re(
      '\\b(?:decode|decrypt|translate|convert)\\bGAP\\b(?:base64|hex|rot13|cipher|binary|encoded)\\bGAP\\b(?:follow|execute|obey|do|apply|run)\\b|\\b(?:follow|execute|obey)\\bGAP\\b(?:decoded|hidden|encoded)\\b',
    ),
  ),

  // Spaced-out and split phrases, read with every non-letter removed.
  rule(
    'squashed-override',
    'strong',
    /(?:ignore|disregard|forget|override|bypass)(?:all|any|the|your)?(?:previous|prior|above|earlier|preceding|former|system)(?:instructions?|directives?|rules|prompts?|guidelines|commands)/,
    LETTERS,
  ),
  rule(
    'squashed-reveal',
    'strong',
    /(?:reveal|print|repeat|show|output|dump)(?:me)?(?:your|the)(?:full|entire|hidden|initial)?(?:systemprompt|instructions)/,
    LETTERS,
  ),
  rule(
    'squashed-void',
    'strong',
    /(?:previous|prior|above|earlier|system|original)(?:instructions?|rules|directives|guidelines|prompt)(?:are|is|were|havebeen|hasbeen)(?:now)?(?:void|null|obsolete|cancell?ed|revoked|superseded|ignored)/,
    LETTERS,
  ),
  rule(
    'squashed-new-task',
    'strong',
    /your(?:new|real|true|actual|only|updated)(?:task|goal|objective|mission|instructions?|purpose|directive)/,
    LETTERS,
  ),
  rule(
    'squashed-takeover',
    'strong',
    /youarenow(?:an?)?(?:unrestricted|jailbroken|dan|unfiltered|uncensored|evil)|developermodeenabled|doanythingnow/,
    LETTERS,
  ),

  // Other languages.
  rule(
    'es-override',
    'strong',
    /\b(?:ignora|ignore|ignorar|olvida|olvide|descarta)\s+(?:todas\s+)?(?:las\s+)?(?:instrucciones|reglas|ordenes)\s+(?:anteriores|previas)/,
    NATIVE,
  ),
  rule(
    'fr-override',
    'strong',
    /\b(?:ignore[zr]?|oublie[zr]?)\s+(?:toutes\s+)?(?:les\s+|tes\s+|vos\s+)?(?:instructions|consignes|regles)\s+(?:precedentes|anterieures)/,
    NATIVE,
  ),
  rule(
    'de-override',
    'strong',
    /\b(?:ignorier(?:e|en)?|vergiss|vergessen sie)\s+(?:alle\s+)?(?:vorherigen|bisherigen|obigen|fruheren|vorigen)\s+(?:anweisungen|instruktionen|befehle|regeln)/,
    NATIVE,
  ),
  rule(
    'it-pt-override',
    'strong',
    /\b(?:ignora|ignore|dimentica|esqueca)\s+(?:tutte\s+|todas\s+)?(?:le\s+|as\s+)?(?:istruzioni|instrucoes)\s+(?:precedenti|anteriores)/,
    NATIVE,
  ),
  rule(
    'ru-override',
    'strong',
    /(?:игнорируи|игнорируите|забудь|забудьте|не обращаи внимания на)\s+(?:все\s+)?(?:предыдущие|прежние|прошлые)\s+(?:инструкции|указания|правила)/,
    NATIVE,
  ),
  rule(
    'zh-ja-override',
    'strong',
    /(?:忽略|无视|忽视|無視)(?:之前|以前|上面|先前|所有|以上)?的?(?:所有)?(?:指令|指示|说明|規則|规则)|(?:以前|前|上記)の(?:指示|命令)を無視/,
    NATIVE,
  ),
];
