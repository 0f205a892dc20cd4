<?php
/**
 * Removes the plugin's settings (and with them the Balas token) when the plugin is deleted.
 *
 * @package Balas_WhatsApp
 */

defined( 'ABSPATH' ) || exit;
defined( 'WP_UNINSTALL_PLUGIN' ) || exit;

delete_option( 'balas_whatsapp_settings' );
