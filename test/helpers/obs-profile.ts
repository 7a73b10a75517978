// OBS Studio 29's settings for a headless test run: one profile and one scene collection, both named `bo`.

/** The files under $HOME/.config/obs-studio/ that make OBS stream with no first-run wizard (see reference/obs-headless.md), by relative path. */
export function obsProfileFiles(opts: { server: string; streamKey: string; width: number; height: number; fps: number; mediaFile?: string | undefined }): Record<string, string> {
  const { width, height, fps } = opts;
  const sceneItem = (name: string, uuid: string, id: number) => ({ name, source_uuid: uuid, visible: true, id });
  const sources: unknown[] = [
    { id: 'color_source', versioned_id: 'color_source_v3', name: 'Color', uuid: '22222222-2222-2222-2222-222222222222', settings: { color: 4278255360, width, height } },
  ];
  const items = [sceneItem('Color', '22222222-2222-2222-2222-222222222222', 1)];
  if (opts.mediaFile) {
    sources.push({
      id: 'ffmpeg_source', versioned_id: 'ffmpeg_source', name: 'Clip', uuid: '33333333-3333-3333-3333-333333333333', mixers: 255, volume: 1,
      settings: { is_local_file: true, local_file: opts.mediaFile, looping: true, restart_on_activate: true, close_when_inactive: false, hw_decode: false },
    });
    items.push(sceneItem('Clip', '33333333-3333-3333-3333-333333333333', 2));
  }
  sources.unshift({ id: 'scene', versioned_id: 'scene', name: 'Scene', uuid: '11111111-1111-1111-1111-111111111111', settings: { items, id_counter: items.length } });
  const scenes = { name: 'bo', current_scene: 'Scene', current_program_scene: 'Scene', scene_order: [{ name: 'Scene' }], sources };
  return {
    'global.ini': '[General]\nFirstRun=false\nEnableAutoUpdates=false\n[Basic]\nProfile=bo\nProfileDir=bo\nSceneCollection=bo\nSceneCollectionFile=bo\n',
    'basic/profiles/bo/basic.ini': [
      '[General]', 'Name=bo',
      '[Video]', `BaseCX=${width}`, `BaseCY=${height}`, `OutputCX=${width}`, `OutputCY=${height}`, 'FPSType=1', `FPSInt=${fps}`,
      // Advanced output mode: only it applies streamEncoder.json (Simple mode leaves x264 at keyint 250)
      '[Output]', 'Mode=Advanced',
      '[AdvOut]', 'Encoder=obs_x264', 'TrackIndex=1', 'Track1Bitrate=128',
      '[Audio]', 'SampleRate=48000', 'ChannelSetup=Stereo', '',
    ].join('\n'),
    'basic/profiles/bo/service.json': JSON.stringify({ type: 'rtmp_custom', settings: { server: opts.server, key: opts.streamKey, use_auth: false } }),
    'basic/profiles/bo/streamEncoder.json': JSON.stringify({ keyint_sec: 2, rate_control: 'CBR', bitrate: 800, preset: 'veryfast' }),
    'basic/scenes/bo.json': JSON.stringify(scenes),
  };
}
