import { describe, expect, it } from 'vitest';
import { chartTemplateProblems, templateActions, templateFileProblems } from './helm-templates.ts';

describe('templateActions', () => {
  it.each([
    ['no action', 'kind: ConfigMap\n', []],
    ['one action on line 2', 'a: 1\nb: {{ .Values.b }}\n', [{ text: '.Values.b', line: 2 }]],
    [
      'trim markers are not part of the action',
      '{{- .Values.x -}}',
      [{ text: '.Values.x', line: 1 }],
    ],
    ['a comment is left out', '{{/* lookup "v1" */}}\n{{ .x }}', [{ text: '.x', line: 2 }]],
    ['a trimmed comment is left out', '{{- /* lookup */ -}}', []],
    ['an unclosed action ends the list', '{{ .a }}\n{{ .b', [{ text: '.a', line: 1 }]],
    [
      'a multi-line action is at its first line',
      'x\n{{ if\n  .a }}\n{{ .b }}',
      [
        { text: 'if\n  .a', line: 2 },
        { text: '.b', line: 4 },
      ],
    ],
  ])('%s', (_name, text, want) => {
    expect(templateActions(text)).toEqual(want);
  });
});

describe('templateFileProblems', () => {
  const F = 'charts/web/templates/secret.yaml';
  it.each([
    [
      'a lookup call',
      '{{ $s := lookup "v1" "Secret" "ns" "db" }}',
      [{ line: 1, re: /calls lookup/ }],
    ],
    [
      'a lookup in parentheses',
      'data: {{ (lookup "v1" "Secret" .Release.Namespace "x").data }}',
      [{ line: 1, re: /calls lookup/ }],
    ],
    ['a lookup after a pipe', '{{ "x" | lookup }}', [{ line: 1, re: /calls lookup/ }]],
    ['the word in a string is no call', '{{ print "lookup " }}', []],
    ['a field named lookup is no call', '{{ .Values.lookup }}', []],
    ['a name containing lookup is no call', '{{ include "my.lookupTable" . }}', []],
    ['lookup in a comment is no call', '{{/* lookup "v1" "Secret" */}}', []],
    ['lookup in plain text is no call', 'lookup: true\n', []],
    ['a file read inside the chart', '{{ .Files.Get "config/app.ini" }}', []],
    [
      'a file read that leaves the chart',
      'x\n{{ .Files.Get "../../secrets/db.txt" }}',
      [
        {
          line: 2,
          re: /reads "\.\.\/\.\.\/secrets\/db\.txt" with \.Files\.Get, outside the chart/,
        },
      ],
    ],
    [
      'an absolute file read',
      '{{ $.Files.Lines "/etc/passwd" }}',
      [{ line: 1, re: /"\/etc\/passwd" with \.Files\.Lines/ }],
    ],
    [
      'a glob that leaves the chart',
      '{{ (.Files.Glob "../*.key").AsSecrets }}',
      [{ line: 1, re: /\.Files\.Glob/ }],
    ],
    ['a name with dots is inside', '{{ .Files.Get "conf..d/x" }}', []],
  ])('%s', (_name, text, want) => {
    const got = templateFileProblems(F, text);
    expect(got.map((p) => ({ file: p.file, line: p.line }))).toEqual(
      want.map((w) => ({ file: F, line: w.line })),
    );
    got.forEach((p, i) => expect(p.message).toMatch(want[i]?.re ?? /never/));
  });
});

describe('chartTemplateProblems', () => {
  it("reads only the chart's own templates, not its subcharts or other files", () => {
    const files = new Map([
      ['web/templates/a.yaml', '{{ lookup "v1" "Pod" "" "" }}'],
      ['web/templates/sub/b.tpl', '{{ .Files.Get "/etc/hosts" }}'],
      ['web/charts/common/templates/_secrets.tpl', '{{ lookup "v1" "Secret" "" "" }}'],
      ['web/values.yaml', 'lookup: "{{ lookup }}"'],
      ['other/templates/c.yaml', '{{ lookup "v1" "Pod" "" "" }}'],
    ]);
    expect(chartTemplateProblems('web', files).map((p) => p.file)).toEqual([
      'web/templates/a.yaml',
      'web/templates/sub/b.tpl',
    ]);
    expect(chartTemplateProblems('', new Map([['templates/x.yaml', '{{ lookup }}']]))).toHaveLength(
      1,
    );
  });
});
