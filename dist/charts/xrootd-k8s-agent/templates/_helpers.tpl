{{/*
Secrets by namespace, each list sorted and without repeats: { namespace: [secretName, ...] }.
Written by src/dist/main.ts from constructs/install/helm-charts.ts.
*/}}
{{- define "xrootd-k8s-agent.secretsByNamespace" -}}
{{- $byNamespace := dict -}}
{{- range . -}}
{{- $_ := set $byNamespace .namespace (append (get $byNamespace .namespace | default list) .secretName | uniq | sortAlpha) -}}
{{- end -}}
{{- toYaml $byNamespace -}}
{{- end -}}
