-- Why: reports show stable codes (NORMAL, SPECIAL_MENTION, CHANNEL_ONLY, …) to
-- finance staff as Chinese words (正常, 关注, 长款 …) and in English with --lang en.
-- One definition of each label, used by every spec through code_label(), instead
-- of a CASE repeated per report. Operators still see the code in its own column
-- where they need it (listing, breaks). A code without a row shows as itself.
CREATE TABLE code_labels (
    kind        text NOT NULL CHECK (kind ~ '^[a-z_]{1,32}$'),
    code        text NOT NULL CHECK (length(code) BETWEEN 1 AND 64),
    label_zh    text NOT NULL CHECK (length(label_zh) >= 1),
    label_en    text NOT NULL CHECK (length(label_en) >= 1),
    PRIMARY KEY (kind, code)
);
COMMENT ON TABLE code_labels IS
    '代码标签 / zh and en display labels of the stable codes reports show (status, class, break type …)';

INSERT INTO code_labels (kind, code, label_zh, label_en) VALUES
    ('loan_status', 'ACTIVE',          '在贷',           'Active'),
    ('loan_status', 'PAID_OFF',        '已结清',         'Paid off'),
    ('loan_status', 'CANCELLED',       '已取消（全额退款）', 'Cancelled (fully refunded)'),
    ('loan_status', 'WRITTEN_OFF',     '已核销',         'Written off'),
    ('loan_class',  'NORMAL',          '正常',           'Normal'),
    ('loan_class',  'SPECIAL_MENTION', '关注',           'Special mention'),
    ('loan_class',  'SUBSTANDARD',     '次级',           'Substandard'),
    ('loan_class',  'DOUBTFUL',        '可疑',           'Doubtful'),
    ('loan_class',  'LOSS',            '损失',           'Loss'),
    ('break_type',  'MISMATCH',        '金额不符',       'Mismatch'),
    ('break_type',  'CHANNEL_ONLY',    '长款（渠道有、系统无）', 'Channel only (长款)'),
    ('break_type',  'SYSTEM_ONLY',     '短款（系统有、渠道无）', 'System only (短款)'),
    ('break_type',  'AMOUNT_MISMATCH', '金额不一致',     'Amount mismatch'),
    ('break_status', 'OPEN',           '未处理',         'Open'),
    ('break_status', 'EXPLAINED',      '已说明',         'Explained'),
    ('break_status', 'RESOLVED',       '已解决',         'Resolved'),
    ('job_status',  'RUNNING',         '运行中',         'Running'),
    ('job_status',  'SUCCEEDED',       '成功',           'Succeeded'),
    ('job_status',  'FAILED',          '失败',           'Failed'),
    ('job_status',  'SKIPPED',         '跳过',           'Skipped'),
    ('gl_direction', 'DEBIT',          '借',             'Dr'),
    ('gl_direction', 'CREDIT',         '贷',             'Cr'),
    ('gl_direction', 'FLAT',           '平',             'Nil');

-- The label of CODE of KIND in LANG ('en', else Chinese); the code itself when unknown.
CREATE FUNCTION code_label(p_kind text, p_code text, p_lang text)
RETURNS text
LANGUAGE sql STABLE STRICT
SET search_path = baitiao, pg_catalog, pg_temp
AS $$
    SELECT coalesce((SELECT CASE WHEN p_lang = 'en' THEN label_en ELSE label_zh END
                       FROM code_labels WHERE kind = p_kind AND code = p_code), p_code)
$$;
COMMENT ON FUNCTION code_label(text, text, text) IS
    '代码标签 / display label of a stable code (code_labels), zh or en; the code when it has none';

REVOKE INSERT, UPDATE, DELETE ON code_labels FROM baitiao_batch;
GRANT EXECUTE ON FUNCTION code_label(text, text, text) TO baitiao_report;
