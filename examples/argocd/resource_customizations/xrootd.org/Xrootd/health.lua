-- Health of an Xrootd resource (xrootd.org/v1alpha1) as the xrootd-k8s agent reports it.
-- Degraded: the spec is refused, a rollout is stuck or was rolled back, or pods that were ready are not (Degraded=True).
-- Suspended: spec.upgrade.paused holds a rollout. Healthy: Ready=True on the current generation.
-- Progressing: anything else (the agent has not seen this generation yet, pods on their way).
local hs = {}
local function condition(conditions, type)
  for _, c in ipairs(conditions) do
    if c.type == type then
      return c
    end
  end
  return nil
end

if obj.status == nil or obj.status.conditions == nil then
  hs.status = "Progressing"
  hs.message = "Waiting for the xrootd-k8s agent to report status"
  return hs
end
local generation = obj.metadata.generation
local observed = obj.status.observedGeneration
if generation ~= nil and (observed == nil or observed < generation) then
  hs.status = "Progressing"
  hs.message = "Waiting for the agent to observe generation " .. generation
  return hs
end

local ready = condition(obj.status.conditions, "Ready")
local degraded = condition(obj.status.conditions, "Degraded")
if degraded ~= nil and degraded.status == "True" then
  hs.status = "Degraded"
  hs.message = (degraded.reason or "Degraded") .. ": " .. (degraded.message or "")
  return hs
end
if ready ~= nil and ready.status == "True" then
  hs.status = "Healthy"
  hs.message = ready.message or "Ready"
  return hs
end
if ready ~= nil and ready.reason == "Paused" then
  hs.status = "Suspended"
  hs.message = "Rollout paused (spec.upgrade.paused): " .. (ready.message or "")
  return hs
end
hs.status = "Progressing"
if ready ~= nil and ready.message ~= nil then
  hs.message = ready.message
else
  hs.message = "Waiting for the cluster to become ready"
end
return hs
